"""Steps of rules generate_dataset (the maze task's splits, written once for every job) and
generate_task (a population's own task, e.g. NeuroGym)."""

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


def generate_task_dataset(output: str | Path, task: dict, dataset: dict) -> None:
    """Generate every split of a task given through the task interface (``task``: a population's
    ``task`` entry, ``{"neurogym": <env id>, ...}``) at the ``dataset`` section's sizes and seed, and
    write it to ``output`` (``storage.write_task_dataset``)."""
    import json

    from .. import neurogym_task

    sizes = {s: int(dataset[s]) for s in SPLITS}
    t = neurogym_task.from_config(task)
    splits = t.generate(sizes, seed=int(dataset["seed"]))
    attrs = {"task": json.dumps(task, sort_keys=True), "seed": int(dataset["seed"]), "loss": t.loss}
    storage.write_task_dataset(output, splits, attrs, {"dataset": dataset, "task": task})
    shape = splits["train"].inputs.shape
    say(
        f"task {task}: {', '.join(f'{k} {v}' for k, v in sizes.items())} trials of {shape[1]} steps "
        f"(padded), {shape[2]} inputs, {splits['train'].targets.shape[2]} outputs -> {output}"
    )
