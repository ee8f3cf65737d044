"""Snakemake script of rule plot_examples: one example network per regulariser."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import pipeline  # noqa: E402

from sernn import plots  # noqa: E402

with pipeline.logged(snakemake.log[0]):
    plots.example_networks(
        dict(snakemake.input.items()),
        snakemake.output.figure,
        snakemake.params.analysis,
        snakemake.params.binarise,
        gamma=snakemake.params.gamma,
    )
