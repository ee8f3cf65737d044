"""Snakemake script of rule compute_function: EV, mixed selectivity, clustering, decoding, energy."""

import os
import sys
from pathlib import Path

# BLAS threads = the job's threads (more only contend for the job's cores); the package from the repo
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(snakemake.threads))
sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import jobs  # noqa: E402
from sernn.steps import function  # noqa: E402

with jobs.job(snakemake.log[0], snakemake.input, snakemake.output):
    jobs.each_strength(
        snakemake.params.labels,
        function.compute_function,
        {
            "activity_path": snakemake.input.activity,
            "output": snakemake.output.table,
            "noisy_path": snakemake.input.noisy,
        },
        function=snakemake.params.function,
        dataset=snakemake.params.dataset,
        config=snakemake.params.provenance,
    )
