"""Snakemake script of rule binarise: every snapshot of every seed -> 0/1 adjacency."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import pipeline  # noqa: E402

with pipeline.job(snakemake.log[0]):
    pipeline.binarise_networks(
        snakemake.input.networks,
        snakemake.output.adjacency,
        snakemake.params.binarise,
        config={"binarise": snakemake.params.binarise},
    )
