"""Snakemake script of rule aggregate: per-job metric tables -> one tidy CSV."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).resolve().parents[1] / "src"))

from sernn import pipeline  # noqa: E402

with pipeline.logged(snakemake.log[0]):
    pipeline.aggregate(snakemake.input.tables, snakemake.output.csv, snakemake.params.analysis)
