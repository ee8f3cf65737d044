"""Snakemake script of rule plot_metrics: each metric against strength, one line per regulariser."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import pipeline  # noqa: E402

from sernn import plots  # noqa: E402

with pipeline.logged(snakemake.log[0]):
    plots.metrics_vs_strength(snakemake.input.csv, snakemake.output.figure, snakemake.params.analysis)
