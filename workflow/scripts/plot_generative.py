"""Snakemake script of rule plot_generative: the GNM figures."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import jobs, plots  # noqa: E402

with jobs.job(snakemake.log[0], snakemake.input, snakemake.output):
    plots.generative_figures(
        snakemake.input.csv,
        snakemake.params.examples,
        dict(snakemake.output.items()),
        snakemake.params.analysis,
        snakemake.params.generative,
        snakemake.params.protocol,
    )
