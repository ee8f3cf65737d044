"""Snakemake script of rule plot_examples: one example network per regulariser."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import jobs, plots  # noqa: E402

with jobs.job(snakemake.log[0], snakemake.input, snakemake.output):
    plots.example_networks(
        snakemake.params.examples,
        snakemake.output.figure,
        snakemake.params.analysis,
        snakemake.params.binarise,
        gamma=snakemake.params.gamma,
    )
