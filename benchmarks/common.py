"""Shared by the stage benchmarks: running the reference (by default ``notebook_baseline.py`` here:
the demo notebook's algorithm, the timing anchor) and summarising repeated timings. Timings on a
shared machine are noisy: quote medians and the ratios taken in the same run, never single
absolute times."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_BASELINE = Path(__file__).resolve().parent / "notebook_baseline.py"


def add_reference_argument(parser) -> None:
    """``--reference`` (default: the notebook baseline; ``--no-reference`` times ours alone)."""
    parser.add_argument(
        "--reference",
        type=Path,
        default=NOTEBOOK_BASELINE,
        help="script timed in the same run for the ratios (same command line and JSON line as "
        "notebook_baseline.py, the default)",
    )
    parser.add_argument(
        "--no-reference", dest="reference", action="store_const", const=None, help="time ours only"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions of each side")


def run_reference(path: Path, stages: str, extra: list[str] | None = None) -> dict:
    """Run the reference script for ``stages`` in a fresh process; returns its JSON line."""
    cmd = [sys.executable, str(path), "--stages", stages] + list(extra or [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def median(values) -> float:
    return float(statistics.median(values))


def report(name: str, ours: list[float], reference: list[float] | None, unit: str = "s") -> dict:
    """Print one line: our median, the reference's median and their ratio (reference / ours, so
    larger is faster); returns the figures as a dict (also printed as JSON by the driver)."""
    row = {"stage": name, "ours_s": median(ours), "ours_min_s": min(ours), "ours_max_s": max(ours)}
    line = f"{name:<34s} ours {median(ours):9.4f} {unit} (min {min(ours):.4f}, max {max(ours):.4f})"
    if reference:
        ratios = [r / o for r, o in zip(reference, ours)]
        row.update(reference_s=median(reference), speedup=median(ratios))
        line += (
            f" | reference {median(reference):9.4f} {unit} | speedup x{median(ratios):.1f} "
            f"(pairwise min {min(ratios):.1f}, max {max(ratios):.1f})"
        )
    print(line, flush=True)
    print("RESULT " + json.dumps(row), flush=True)
    return row
