"""Step of rule fit_generative: generative network models fitted to a chunk's networks."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .. import binarise as binarise_mod
from .. import storage
from ..jobs import say
from .common import analysed_epochs, divergence, null_seed


def fit_generative(
    networks_path: str | Path,
    binarised_path: str | Path,
    output: str | Path,
    generative: dict,
    analysis: dict,
    binarise: dict,
    config: dict | None = None,
) -> None:
    """Fit the GNM rules (``sernn.generative.fit``) to every seed's network at the epochs of
    ``analysed_epochs`` (``generative.epochs``). generative, analysis, binarise: the config's sections.

    The target is the binarised network of the snapshot (``target: binarised``, undirected) or the
    authors' ``generative.authors_target`` of its weights at ``binarise.fraction`` (``authors``); D the
    networks' distance matrix. A network is fitted when it passes the accuracy filter there
    (validation accuracy >= analysis.accuracy_threshold, not diverged), or with ``fit_failing`` when
    it merely has finite weights: diverged networks and non-finite snapshots are never fitted. Every
    seed x epoch gets a table row (``generative.summary_row``: empty values when not fitted); the
    search of each is seeded by ``null_seed(generative.seed, regulariser, strength, seed, epoch)``."""
    from .. import generative as gnm

    nets = storage.read_networks(networks_path)
    binar = storage.read_binarised(binarised_path, n_units=nets["distance"].shape[0])
    regulariser, strength = nets["attrs"]["regulariser"], float(nets["attrs"]["strength"])
    rules = list(generative["rules"])
    modelvar = (generative["modelvar"], generative["modelvar"])
    fits, rows = {}, []
    for seed, d in nets["seeds"].items():
        fits[seed] = {}
        finite, diverged = divergence(d)
        for epoch in analysed_epochs("generative", generative, analysis, d["recurrent"].shape[0] - 1):
            accuracy = float(d["evaluation"]["validation_accuracy"][epoch])
            passes = accuracy >= analysis["accuracy_threshold"] and not diverged
            result = None
            if finite[epoch] and not diverged and (passes or generative["fit_failing"]):
                if generative["target"] == "authors":
                    target = gnm.authors_target(d["recurrent"][epoch], binarise["fraction"])
                else:
                    target = binarise_mod.undirected(binar["seeds"][seed][epoch])
                search_seed = null_seed(generative["seed"], regulariser, strength, seed, epoch)
                t0 = time.perf_counter()
                result = gnm.fit(
                    target,
                    nets["distance"],
                    rules,
                    generative["levels"],
                    generative["samples"],
                    generative["pow"],
                    generative["eta_bounds"],
                    generative["gamma_bounds"],
                    search_seed,
                    modelvar,
                    generative["epsilon"],
                )
                fits[seed][epoch] = {"seed": search_seed, "edges": int(target.sum()) // 2, "rules": result}
            row = gnm.summary_row(result, rules)
            rows.append(
                {"regulariser": regulariser, "strength": strength, "seed": seed, "epoch": epoch, **row}
            )
            if result is None:
                why = "diverged" if diverged or not finite[epoch] else f"validation accuracy {accuracy:.3f}"
                say(f"GNM seed {seed} epoch {epoch}: not fitted ({why})")
            else:
                say(
                    f"GNM seed {seed} epoch {epoch}: best rule {row['gnm_best_rule']}, energy "
                    f"{row['gnm_best_energy']:.4f} ({time.perf_counter() - t0:.1f} s, "
                    f"{fits[seed][epoch]['edges']} edges)"
                )
    table = {k: np.asarray([r[k] for r in rows]) for k in rows[0]}
    attrs = {
        "regulariser": regulariser,
        "strength": strength,
        "rules": rules,
        "levels": int(generative["levels"]),
        "samples": int(generative["samples"]),
        "pow": float(generative["pow"]),
        "eta_bounds": np.asarray(generative["eta_bounds"], float),
        "gamma_bounds": np.asarray(generative["gamma_bounds"], float),
        "modelvar": generative["modelvar"],
        "epsilon": float(generative["epsilon"]),
        "target": generative["target"],
        "fit_failing": bool(generative["fit_failing"]),
        "seed_base": int(generative["seed"]),
        "epochs": np.asarray(sorted({r["epoch"] for r in rows})),
    }
    storage.write_generative(output, fits, table, attrs, config or {}, gnm.KS_COLUMNS)
