"""Snakemake script of rule train: every seed of one (regulariser, strength) in one process."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import jobs  # noqa: E402
from sernn.steps import training  # noqa: E402

pop = snakemake.params.population
with jobs.job(snakemake.log[0], snakemake.input, snakemake.output):
    training.train_chunk(
        snakemake.input.dataset,
        {float(label): f"{snakemake.output.networks}/{label}.h5" for label in snakemake.params.labels},
        regulariser=snakemake.wildcards.regulariser,
        regulariser_type=pop["type"],
        task=pop["task"],
        seeds=snakemake.params.seeds,
        model=snakemake.params.model,
        training=snakemake.params.training,
        threads=snakemake.threads,
        config=snakemake.params.provenance,
    )
