"""Snakemake script of rule plot_figures: the summary figures."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import pipeline  # noqa: E402

with pipeline.logged(snakemake.log[0]):
    pipeline.summary_figures(snakemake.input, snakemake.output, snakemake.params.analysis)
