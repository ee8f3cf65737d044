"""Snakemake script of rule record_activity: hidden activity on the probe set at analysed epochs."""

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
        function.record_activity,
        {
            "networks_path": snakemake.input.networks,
            "output": snakemake.output.activity,
            "noisy_output": snakemake.output.noisy,
        },
        dataset_path=snakemake.input.dataset,
        function=snakemake.params.function,
        analysis=snakemake.params.analysis,
        config=snakemake.params.provenance,
        noise_std=snakemake.params.noise_std,
    )
