"""Snakemake script of rule binarise: every snapshot of every seed -> 0/1 adjacency."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import pipeline  # noqa: E402

with pipeline.logged(snakemake.log[0]):
    pipeline.binarise_networks(
        snakemake.input.networks,
        snakemake.output.adjacency,
        snakemake.params.binarise,
        config={"binarise": snakemake.params.binarise},
    )
