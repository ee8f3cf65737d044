"""Snakemake script of rule fit_generative: the GNM rules fitted to every seed's network."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import jobs  # noqa: E402
from sernn.steps import generative  # noqa: E402

with jobs.job(snakemake.log[0], snakemake.input, snakemake.output):
    jobs.each_strength(
        snakemake.params.labels,
        generative.fit_generative,
        {
            "networks_path": snakemake.input.networks,
            "binarised_path": snakemake.input.adjacency,
            "output": snakemake.output.table,
        },
        generative=snakemake.params.generative,
        analysis=snakemake.params.analysis,
        binarise=snakemake.params.binarise,
        config=snakemake.params.provenance,
        threads=snakemake.threads,
    )
