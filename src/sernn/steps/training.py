"""Step of rule train: a chunk of one population trained in one process."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterable

import numpy as np

from .. import storage
from ..config import strength_label
from ..jobs import say
from .common import geometry


def train_networks(
    dataset_path: str | Path,
    output: str | Path,
    *,
    strength: float,
    **kwargs,
) -> None:
    """Train one network per seed at one (regulariser, strength) and write them to ``output``
    (``train_chunk`` with one strength)."""
    train_chunk(dataset_path, {float(strength): output}, **kwargs)


def train_chunk(
    dataset_path: str | Path,
    outputs: dict[float, str | Path],
    *,
    regulariser: str,
    regulariser_type: str,
    task: str | dict,
    seeds: Iterable[int],
    model: dict,
    training: dict,
    threads: int = 1,
    base_dir: str | Path = ".",
    config: dict | None = None,
) -> None:
    """Train a chunk of one population in this process: one network per strength (the keys of
    ``outputs``) x seed, side by side in stacks of up to ``training.stack`` networks (a stack may mix
    strengths: ``sernn.training.Trainer.train_stack``), and write each strength's seeds to its file
    ``outputs[strength]`` (layout in ``sernn.storage``). Logs one line per network as its stack
    finishes and the chunk's total."""
    from .. import training as tr

    tr.configure_tensorflow(threads)
    per_step = isinstance(task, dict)  # a task through the task interface (NeuroGym): its own file
    data = storage.read_task_dataset(dataset_path) if per_step else storage.read_dataset(dataset_path)
    labels_key = None if per_step else {"maze": "labels", "random": "shuffled_labels"}[task]
    shape = data["train"]["targets" if per_step else labels_key].shape
    n_inputs, n_outputs = data["train"]["inputs"].shape[-1], shape[-1]
    coords, distance = geometry(model, base_dir)
    strengths = [float(s) for s in outputs]
    spec = tr.TrainingSpec(
        regulariser=regulariser_type,
        epochs=training["epochs"],
        batch_size=training["batch_size"],
        learning_rate=training["learning_rate"],
        noise_std=model["noise_std"],
        n_units=model["n_units"],
        comms_factor=model["comms_factor"],
    )
    networks = [(strength, int(seed)) for strength in strengths for seed in seeds]
    stack = max(1, min(int(training.get("stack", 8)), len(networks)))
    results: dict[tuple[float, int], tr.TrainingResult] = {}
    trainers = {}
    started = time.perf_counter()
    for i in range(0, len(networks), stack):  # up to `stack` networks side by side
        group = networks[i : i + stack]
        if len(group) not in trainers:
            trainers[len(group)] = tr.Trainer(
                spec,
                distance,
                n_steps=data["train"]["inputs"].shape[1],
                n_inputs=n_inputs,
                n_outputs=n_outputs,
                n_networks=len(group),
                lanes=threads,
                base_dir=str(base_dir),
                per_step=per_step,
            )
        t0 = time.perf_counter()
        trained = trainers[len(group)].train_stack(
            [seed for _, seed in group], [strength for strength, _ in group], data, labels_key, progress=say
        )
        for (strength, seed), r in zip(group, trained):
            results[strength, seed] = r
            say(
                f"{regulariser} strength {strength:g} seed {seed}: validation accuracy "
                f"{r.evaluation['validation_accuracy'][-1]:.4f} after {spec.epochs} epochs "
                f"({time.perf_counter() - t0:.1f} s for {len(group)} network(s))"
                f"{' DIVERGED' if r.diverged else ''}"
            )
    say(
        f"training took {time.perf_counter() - started:.2f} s for {len(networks)} network(s), graph "
        f"tracing included"
    )
    for strength, output in outputs.items():
        attrs = {
            "regulariser": regulariser,
            "regulariser_type": regulariser_type,
            **_user_source(regulariser_type, base_dir),
            "task": json.dumps(task, sort_keys=True) if per_step else task,
            "strength": float(strength),
            "strength_label": strength_label(strength),
            "comms_factor": model["comms_factor"],
            "distance_power": model["distance_power"],
            "tensorflow_threads": int(threads),
            "stack": stack,
            # trained side by side with these (weights depend on the stack to float32 rounding)
            "chunk_strengths": np.asarray(strengths, np.float64),
        }  # lanes = tensorflow_threads
        seeds_of = {seed: r for (s, seed), r in results.items() if s == float(strength)}
        storage.write_networks(output, seeds_of, coords, distance, attrs, config or {})


def _user_source(kind: str, base_dir: str | Path) -> dict:
    """{"regulariser_source_sha256": hex digest} of a user regulariser's file (``file.py:function``),
    so that a network file records which code penalised it; {} otherwise."""
    import hashlib

    target = kind.rpartition(":")[0] if ":" in kind else ""
    if not target.endswith(".py"):
        return {}
    path = Path(target) if Path(target).is_absolute() else Path(base_dir) / target
    return {"regulariser_source_sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
