"""Step of rule generate_dataset: the maze task's splits, written once for every job."""

from __future__ import annotations

from pathlib import Path

from .. import storage
from ..jobs import say

SPLITS = ("train", "test", "validation")


def generate_dataset(output: str | Path, dataset: dict) -> None:
    """Generate every split of the maze task (``sernn.task.generate``) and write it to ``output``.
    dataset: the config's ``dataset`` section."""
    from .. import task

    sizes = {s: int(dataset[s]) for s in SPLITS}
    splits = task.generate(
        sizes, dataset["goal_steps"], dataset["delay_steps"], dataset["choice_steps"], seed=dataset["seed"]
    )
    attrs = {
        "seed": dataset["seed"],
        "goal_steps": dataset["goal_steps"],
        "delay_steps": dataset["delay_steps"],
        "choice_steps": dataset["choice_steps"],
        "inputs": "goal one-hot (7, 9, 17, 19) in 0-3; offered directions two-hot (l, u, r, d) in 4-7",
        "labels": "correct first step, one-hot over l, u, r, d",
        "shuffled_labels": "labels permuted over trials: the random-task control",
    }
    storage.write_dataset(output, splits, attrs, {"dataset": dataset})
    say(f"dataset: {', '.join(f'{k} {v}' for k, v in sizes.items())} problems -> {output}")
