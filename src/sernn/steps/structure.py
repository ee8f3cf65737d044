"""Steps of rules binarise and compute_metrics: a network's graph and its structural measures."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .. import binarise as binarise_mod
from .. import storage
from ..jobs import say
from .common import divergence, null_seed


def binarise_networks(
    networks_path: str | Path, output: str | Path, options: dict, config: dict | None = None
) -> None:
    """Binarise every snapshot of every seed (``sernn.binarise``). options: the config's
    ``binarise`` section (method, fraction, symmetrise, drop_diagonal). A snapshot with non-finite
    weights (a diverged network) has no graph: its adjacency is stored all zero, and the metrics
    step, which sees the weights, gives it NaN measures."""
    nets = storage.read_networks(networks_path)
    adjacency = {}
    for seed, d in nets["seeds"].items():
        finite = binarise_mod.finite_snapshots(d["recurrent"])
        adjacency[seed] = np.zeros(d["recurrent"].shape, np.uint8)
        if finite.any():
            adjacency[seed][finite] = binarise_mod.binarise_stack(d["recurrent"][finite], **options)
        if not finite.all():
            say(
                f"seed {seed}: non-finite weights at epochs {np.flatnonzero(~finite).tolist()} "
                f"(diverged): no graph there"
            )
    attrs = {
        "regulariser": nets["attrs"]["regulariser"],
        "strength": nets["attrs"]["strength"],
        **{k: options[k] for k in ("method", "fraction", "symmetrise", "drop_diagonal")},
        "undirected_measures_use": (
            "the adjacency as stored"
            if options["symmetrise"] != "none"
            else "A OR A^T, diagonal dropped (sernn.binarise.undirected)"
        ),
    }
    storage.write_binarised(output, adjacency, attrs, config or {})
    say(f"binarised {len(adjacency)} seeds x {next(iter(adjacency.values())).shape[0]} snapshots")


def compute_metrics(
    networks_path: str | Path,
    binarised_path: str | Path,
    output: str | Path,
    metrics: dict,
    config: dict | None = None,
) -> None:
    """One row per seed x epoch: structural metrics (``sernn.metrics.network_metrics``) plus the
    network's accuracies. metrics: the config's ``metrics`` section.

    Diverged networks: ``diverged`` is true on every row of a network whose training diverged (its
    ``diverged`` attribute) or that has non-finite weights at any snapshot, so it fails the accuracy
    filter at every epoch. Its snapshots with finite weights (those before the divergence) are
    measured as usual, since they are the network's real states; those with NaN/inf weights get
    NaN measures (``sernn.metrics.empty_metrics``). ``finite_weights`` says which rows are which."""
    from ..metrics import empty_metrics, network_metrics

    nets = storage.read_networks(networks_path)
    n_units = nets["distance"].shape[0]
    binar = storage.read_binarised(binarised_path, n_units=n_units)
    if sorted(binar["seeds"]) != sorted(nets["seeds"]):
        raise storage.FormatError(
            f"binarised file {str(binarised_path)!r} holds seeds "
            f"{sorted(binar['seeds'])}, the networks file {str(networks_path)!r} "
            f"{sorted(nets['seeds'])}"
        )
    regulariser, strength = nets["attrs"]["regulariser"], float(nets["attrs"]["strength"])
    options = {"louvain_runs": metrics["louvain_runs"], "swp": metrics["small_world_propensity"]}
    rows: list[dict] = []
    t0 = time.perf_counter()
    for seed, d in nets["seeds"].items():
        adjacency = binar["seeds"][seed]
        n_snap = d["recurrent"].shape[0]
        if adjacency.shape[0] != n_snap:
            raise storage.FormatError(
                f"binarised file {str(binarised_path)!r} holds {adjacency.shape[0]} "
                f"snapshots of seed {seed}, the networks file {n_snap}"
            )
        finite, diverged = divergence(d)
        for epoch in range(n_snap):
            if not finite[epoch]:
                values = empty_metrics(**options)
            else:
                a = binarise_mod.undirected(adjacency[epoch])
                values = network_metrics(
                    d["recurrent"][epoch],
                    a,
                    nets["distance"],
                    n_nulls=metrics["n_nulls"],
                    seed=null_seed(metrics["seed"], regulariser, strength, seed, epoch),
                    gamma=metrics["modularity_gamma"],
                    **options,
                )
            hist, ev = d["history"], d["evaluation"]
            rows.append(
                {
                    "regulariser": regulariser,
                    "regulariser_type": nets["attrs"]["regulariser_type"],
                    "task": nets["attrs"]["task"],
                    "strength": strength,
                    "seed": seed,
                    "epoch": epoch,
                    "accuracy": float(hist["accuracy"][epoch - 1]) if epoch else np.nan,
                    "loss": float(hist["loss"][epoch - 1]) if epoch else np.nan,
                    "test_accuracy": float(ev["test_accuracy"][epoch]),
                    "val_accuracy": float(ev["validation_accuracy"][epoch]),
                    "diverged": diverged,
                    "finite_weights": bool(finite[epoch]),
                    **values,
                }
            )
        say(f"metrics seed {seed}: {n_snap} snapshots ({time.perf_counter() - t0:.1f} s so far)")
    columns = {k: np.asarray([r[k] for r in rows]) for k in rows[0]}
    attrs = {
        "regulariser": regulariser,
        "strength": strength,
        "n_nulls": metrics["n_nulls"],
        "null_seed_base": metrics["seed"],
    }
    storage.write_table(output, columns, attrs, config or {}, "compute_metrics")
