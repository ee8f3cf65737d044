"""Benchmark: generating the task's three splits (train 5,120 / test 2,560 / validation 2,560),
sernn.task.generate against the notebook's generator, side by side.

Run:  .venv/bin/python benchmarks/dataset.py [--reference SCRIPT | --no-reference]
The reference's time is its own "dataset" stage (three construct_numpy_data calls), measured in its
process; ours is sernn.task.generate (arrays in memory, as the reference's) in this process, and
separately with the HDF5 write of the workflow's generate_dataset step.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, add_reference_argument, report, run_reference  # noqa: E402

sys.path.insert(0, str(REPO / "src"))
from sernn import steps, task  # noqa: E402

SIZES = {"train": 5120, "test": 2560, "validation": 2560}
DATASET = {"seed": 18229, "goal_steps": 20, "delay_steps": 10, "choice_steps": 20, **SIZES}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    add_reference_argument(p)
    args = p.parse_args()
    ours, ours_h5, ref = [], [], []
    task.generate(SIZES, 20, 10, 20, seed=0)  # warm-up
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            t0 = time.perf_counter()
            task.generate(SIZES, 20, 10, 20, seed=i)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            steps.dataset.generate_dataset(Path(tmp) / "dataset.h5", DATASET)
            ours_h5.append(time.perf_counter() - t0)
            if args.reference:
                ref.append(run_reference(args.reference, "dataset")["seconds"]["dataset"])
    report("dataset: generate 3 splits", ours, ref or None)
    report("dataset: generate + write HDF5", ours_h5, ref or None)


if __name__ == "__main__":
    main()
