"""Snakemake script of rule claims: the paper's claims (seRNN vs L1, seRNN vs each control) at
matched total weight, and the GNM best-rule fractions."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import jobs  # noqa: E402
from sernn.steps import summary  # noqa: E402

with jobs.job(snakemake.log[0], snakemake.input, snakemake.output):
    summary.paper_claims(
        snakemake.input.csv,
        snakemake.output.csv,
        snakemake.params.analysis,
        controls=snakemake.output.controls,
        best_rules=snakemake.output.best_rules,
        rules=snakemake.params.rules,
    )
