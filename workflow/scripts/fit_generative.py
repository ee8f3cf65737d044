"""Snakemake script of rule fit_generative: the GNM rules fitted to every seed's network."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import pipeline  # noqa: E402

with pipeline.job(snakemake.log[0]):
    pipeline.fit_generative(
        snakemake.input.networks,
        snakemake.input.adjacency,
        snakemake.output.table,
        snakemake.params.generative,
        snakemake.params.analysis,
        snakemake.params.binarise,
        config=snakemake.params.provenance,
    )
