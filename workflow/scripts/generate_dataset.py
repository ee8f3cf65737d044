"""Snakemake script of rule generate_dataset: the maze task's splits -> dataset.h5."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import jobs  # noqa: E402
from sernn.steps import dataset  # noqa: E402

with jobs.job(snakemake.log[0], snakemake.input, snakemake.output):
    dataset.generate_dataset(snakemake.output.dataset, snakemake.params.dataset)
