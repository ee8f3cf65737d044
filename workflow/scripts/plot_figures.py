"""Snakemake script of rule plot_figures: the summary figures."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import jobs  # noqa: E402
from sernn.steps import summary  # noqa: E402

with jobs.job(snakemake.log[0], snakemake.input, snakemake.output):
    summary.summary_figures(snakemake.input, snakemake.output, snakemake.params.analysis)
