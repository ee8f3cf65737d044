"""Benchmark: the functional analysis of one network at one epoch (record_activity's forward pass on
640 probe trials + compute_function's measures with 1,000 permutations). The notebook has no
functional analysis, so there is no reference to compare with; the figures feed the driver's
projection.

Run:  .venv/bin/python benchmarks/function.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, report  # noqa: E402

sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    from sernn import embedding, function, task, training

    training.configure_tensorflow(1)
    data = task.generate({"validation": 640}, 20, 10, 20, seed=0)["validation"]
    weights = training.initial_weights(0, 8, 100, 4)
    coords = embedding.grid_coordinates((5, 5, 4))
    maze = data["maze_id"].astype(int)
    windows = function.default_windows(20, 10, 20)
    training.hidden_activity(weights, data["inputs"])  # trace once
    rec, fn = [], []
    for rep in range(args.repeats):
        t0 = time.perf_counter()
        states, _ = training.hidden_activity(weights, data["inputs"])
        rec.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        function.function_summary(
            states,
            task.goal_index()[maze],
            task.choice_pair_code()[maze],
            task.answer_index()[maze],
            coords,
            windows,
            n_perm=1000,
            seed=rep,
        )
        fn.append(time.perf_counter() - t0)
    report("function: record activity (640 trials)", rec, None)
    report("function: all measures, 1 epoch", fn, None)
    assert np.isfinite(states).all()


if __name__ == "__main__":
    main()
