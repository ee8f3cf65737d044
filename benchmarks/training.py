"""Benchmark: training one network (seRNN at strength 0.3, 10 epochs, the notebook's data sizes,
batch 128) with sernn against the notebook's Keras code, side by side.

Run:  .venv/bin/python benchmarks/training.py [--reference SCRIPT | --no-reference]
          [--threads 2] [--seeds 1]

Ours: a fresh ``sernn.training.Trainer`` (graph tracing included) trains one network and evaluates
it on the test and validation splits after every epoch; with ``--seeds k`` one trainer trains k
seeds side by side as one stacked model (as a workflow job does with its seeds) and the time per
network is reported; with ``--threads k`` TensorFlow gets k threads and the trials of each batch
are split into k lanes run side by side (``sernn.training.rnn_logits``). The reference: its own
"train" stage (model build + ``fit`` with validation every epoch), in its own process. Both exclude
the TensorFlow import (timed separately) and dataset generation. Validation accuracy of both is
printed, to check the comparison is like for like.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, add_reference_argument, report, run_reference  # noqa: E402

sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    add_reference_argument(p)
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="TensorFlow threads, and as many lanes (the train rule uses 1 per job)",
    )
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--strength", type=float, default=0.3)
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args()
    t0 = time.perf_counter()
    from sernn import embedding, task, training

    training.configure_tensorflow(args.threads)
    import tensorflow  # noqa: F401

    import_s = time.perf_counter() - t0
    data = task.generate({"train": 5120, "test": 2560, "validation": 2560}, 20, 10, 20, seed=18229)
    distance = embedding.distance_matrix(embedding.grid_coordinates((5, 5, 4)))
    spec = training.TrainingSpec("seRNN", epochs=args.epochs)
    ours, ref, accs, ref_accs = [], [], [], []
    for rep in range(args.repeats):
        t0 = time.perf_counter()
        trainer = training.Trainer(spec, distance, n_steps=50, n_networks=args.seeds, lanes=args.threads)
        for r in trainer.train_stack(list(range(args.seeds)), args.strength, data):
            accs.append(r.evaluation["validation_accuracy"][-1])
        ours.append((time.perf_counter() - t0) / args.seeds)
        if args.reference:
            out = run_reference(
                args.reference, "train", ["--strength", str(args.strength), "--epochs", str(args.epochs)]
            )
            ref.append(out["seconds"]["train"])
            ref_accs.append(out["val_accuracy"][-1])
    print(f"TensorFlow + sernn import: {import_s:.2f} s (once per job)")
    print(f"final validation accuracy, ours (per network): {[round(float(a), 4) for a in accs]}")
    if ref_accs:
        print(f"final validation accuracy, reference (test split): {ref_accs}")
    report(f"training: 1 network ({args.seeds} seed(s)/job)", ours, ref or None)


if __name__ == "__main__":
    main()
