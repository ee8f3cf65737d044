"""Snakemake script of rule train: every seed of one (regulariser, strength) in one process."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import pipeline  # noqa: E402

pop = snakemake.params.population
with pipeline.job(snakemake.log[0]):
    pipeline.train_networks(
        snakemake.input.dataset,
        snakemake.output.networks,
        regulariser=snakemake.wildcards.regulariser,
        regulariser_type=pop["type"],
        task=pop["task"],
        strength=pop["strength"],
        seeds=snakemake.params.seeds,
        model=snakemake.params.model,
        training=snakemake.params.training,
        threads=snakemake.threads,
        config=snakemake.params.provenance,
    )
