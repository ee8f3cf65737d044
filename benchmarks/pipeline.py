"""Benchmark: the whole default run (config.yaml) against the sum of its training times.

Run:  .venv/bin/python benchmarks/pipeline.py [--cores 2] [--repeats 1]

Runs the default pipeline from scratch (after set-up: the venv exists) into a temporary results
directory, with Snakemake in a fresh process, and prints its wall time next to the training time
summed over its train jobs (each job logs "training took X s", graph tracing included, TensorFlow's
import not) and their ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, report  # noqa: E402

TRAINING = re.compile(r"training took ([0-9.]+) s for (\d+) network")


def training_seconds(results: Path) -> list[float]:
    """The training time logged by each train job (seconds), one entry per job."""
    out = []
    for log in sorted((results / "logs" / "train").rglob("*.log")):
        found = TRAINING.findall(log.read_text())
        if not found:
            raise SystemExit(f"no training time in {log}")
        out.append(float(found[-1][0]))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    p.add_argument("--repeats", type=int, default=1)
    args = p.parse_args()
    walls, sums = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            results = Path(tmp) / "results"
            cmd = [
                sys.executable,
                "-m",
                "snakemake",
                "--cores",
                str(args.cores),
                "--quiet",
                "all",  # (quiet about everything; the target is the default, rule all)
                "--config",
                f"results={results}",
            ]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
            walls.append(time.perf_counter() - t0)
            if proc.returncode:
                raise SystemExit(proc.stderr[-3000:])
            train = training_seconds(results)
            sums.append(sum(train))
            print(
                f"run: {walls[-1]:.1f} s wall; {len(train)} train jobs, training "
                f"{' + '.join(f'{t:.1f}' for t in train)} = {sums[-1]:.1f} s; "
                f"ratio x{walls[-1] / sums[-1]:.2f}",
                flush=True,
            )
    report("whole default run (wall)", walls, None)
    report("whole default run: training summed", sums, None)
    ratios = [w / s for w, s in zip(walls, sums)]
    print(
        f"wall / training summed: x{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max "
        f"{max(ratios):.2f}; "
        f"{args.cores} cores; the wall includes every analysis job, GNM fits included)"
    )


if __name__ == "__main__":
    main()
