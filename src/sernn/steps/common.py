"""What several rule steps share: the seeds of per-network analyses, which snapshots of a network
are usable (divergence), which epochs a step analyses, and the units' geometry."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from .. import binarise as binarise_mod
from ..config import strength_label


def null_seed(base: int, regulariser: str, strength: float, seed: int, epoch: int) -> int:
    """The seed of one network snapshot's null graphs: stable across runs, machines and job order."""
    ss = np.random.SeedSequence(
        [base, zlib.crc32(regulariser.encode()), zlib.crc32(strength_label(strength).encode()), seed, epoch]
    )
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def divergence(network: dict) -> tuple[np.ndarray, bool]:
    """(finite (E+1,) bool: which snapshots have all-finite weights, diverged: training diverged or
    some snapshot is non-finite) of one seed's network as ``storage.read_networks`` gives it."""
    finite = binarise_mod.finite_snapshots(network["recurrent"])
    return finite, bool(network["attrs"]["diverged"]) or not finite.all()


def analysed_epochs(name: str, section: dict, analysis: dict, n_epochs: int) -> list[int]:
    """The snapshots a step analyses: the config section's ``epochs`` or else [analysis.epoch], sorted
    and unique. name: the section's key in the config (``function``, ``generative``), for the error
    when an epoch lies outside the trained epochs 0-``n_epochs``."""
    epochs = section.get("epochs") or [analysis["epoch"]]
    bad = [e for e in epochs if not 0 <= e <= n_epochs]
    if bad:
        raise ValueError(f"{name}.epochs {bad} outside the trained epochs 0-{n_epochs}")
    return sorted(set(int(e) for e in epochs))


def geometry(model: dict, base_dir: str | Path = ".") -> tuple[np.ndarray, np.ndarray]:
    """Unit coordinates (N, 3) and distance matrix (N, N) (raised to distance_power) of ``model``."""
    from .. import embedding

    if model.get("coordinates"):
        path = Path(model["coordinates"])
        coords = embedding.load_coordinates(
            path if path.is_absolute() else Path(base_dir) / path, model["n_units"]
        )
    else:
        coords = embedding.grid_coordinates(tuple(model["grid"]))
    return coords, embedding.distance_matrix(coords, model["distance_metric"], model["distance_power"])
