"""Step of rule fit_generative: generative network models fitted to a chunk's networks."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .. import binarise as binarise_mod
from .. import storage
from ..jobs import say
from .common import analysed_epochs, divergence, null_seed


def gnm_target(weights: np.ndarray, binarised: np.ndarray, generative: dict, binarise: dict) -> np.ndarray:
    """The network a GNM is fitted to, (n, n) uint8 symmetric, zero diagonal. weights: (n, n) the
    snapshot's recurrent weights; binarised: (n, n) the pipeline's binarised adjacency of it.

    ``target: authors``: ``generative.authors_target`` of the weights at the density; ``binarised``:
    the weights binarised as ``binarise`` says at the density, made undirected, which is the
    pipeline's binarised network itself when the density is ``binarise.fraction``. The density:
    ``generative.density``, or else ``binarise.fraction``."""
    from .. import generative as gnm

    density = binarise["fraction"] if generative.get("density") is None else generative["density"]
    if generative["target"] == "authors":
        return gnm.authors_target(weights, density)
    if density == binarise["fraction"]:
        return binarise_mod.undirected(binarised)
    return binarise_mod.undirected(binarise_mod.binarise(weights, **{**binarise, "fraction": density}))


def _fit_one(
    target: np.ndarray, distance: np.ndarray, generative: dict, search_seed: int, threads: int = 1
) -> dict:
    """The Voronoi search of every rule (on ``threads`` threads, the same numbers for any count) and
    the robust re-simulation of each rule's best points;
    {"seed", "edges", "rules", "robust", "seconds": (search, robust)}."""
    from .. import generative as gnm
    from ..generative import robust as gnm_robust

    modelvar = (generative["modelvar"], generative["modelvar"])
    t0 = time.perf_counter()
    result = gnm.fit(
        target,
        distance,
        list(generative["rules"]),
        generative["levels"],
        generative["samples"],
        generative["pow"],
        generative["eta_bounds"],
        generative["gamma_bounds"],
        search_seed,
        modelvar,
        generative["epsilon"],
        threads=threads,
    )
    t1 = time.perf_counter()
    rob = generative.get("robust") or {}
    robust = gnm_robust.robust_energies(
        target,
        distance,
        result,
        rob.get("top_k", 10),
        rob.get("repeats", 5),
        search_seed,
        modelvar,
        generative["epsilon"],
    )
    seconds = (t1 - t0, time.perf_counter() - t1)
    return {
        "seed": search_seed,
        "edges": int(target.sum()) // 2,
        "rules": result,
        "robust": robust,
        "seconds": seconds,
    }


def _attrs(regulariser: str, strength: float, generative: dict, binarise: dict, epochs) -> dict:
    """The root attributes of a generative file: the network and every setting of its fits."""
    rob = generative.get("robust") or {}
    density = binarise["fraction"] if generative.get("density") is None else generative["density"]
    return {
        "regulariser": regulariser,
        "strength": strength,
        "rules": list(generative["rules"]),
        "levels": int(generative["levels"]),
        "samples": int(generative["samples"]),
        "pow": float(generative["pow"]),
        "eta_bounds": np.asarray(generative["eta_bounds"], float),
        "gamma_bounds": np.asarray(generative["gamma_bounds"], float),
        "modelvar": generative["modelvar"],
        "epsilon": float(generative["epsilon"]),
        "target": generative["target"],
        "density": float(density),
        "fit_failing": bool(generative["fit_failing"]),
        "seed_base": int(generative["seed"]),
        "epochs": np.asarray(sorted(set(epochs))),
        "robust_top_k": int(rob.get("top_k", 10)),
        "robust_repeats": int(rob.get("repeats", 5)),
    }


def fit_generative(
    networks_path: str | Path,
    binarised_path: str | Path,
    output: str | Path,
    generative: dict,
    analysis: dict,
    binarise: dict,
    config: dict | None = None,
    threads: int = 1,
) -> None:
    """Fit the GNM rules (``sernn.generative.fit``) to every seed's network at the epochs of
    ``analysed_epochs`` (``generative.epochs``), then re-simulate each rule's best points
    (``sernn.generative.robust``). generative, analysis, binarise: the config's sections; threads:
    the job's threads, over which the rules of one search are spread (the numbers do not depend on it).

    The target: ``gnm_target`` (density ``generative.density`` or ``binarise.fraction``, recorded in
    the root attribute ``density``); D the networks' distance matrix. A network is fitted when it
    passes the accuracy filter there (validation accuracy >= analysis.accuracy_threshold, not
    diverged), or with ``fit_failing`` when it merely has finite weights: diverged networks and
    non-finite snapshots are never fitted. Every seed x epoch gets a table row
    (``generative.summary_row`` and ``robust_row``: empty values when not fitted); the search of each
    is seeded by ``null_seed(generative.seed, regulariser, strength, seed, epoch)``, its robust
    repeats from the same seed on streams of their own. The log gives each fit's cost."""
    from .. import generative as gnm
    from ..generative import robust as gnm_robust

    nets = storage.read_networks(networks_path)
    binar = storage.read_binarised(binarised_path, n_units=nets["distance"].shape[0])
    regulariser, strength = nets["attrs"]["regulariser"], float(nets["attrs"]["strength"])
    rules = list(generative["rules"])
    fits, rows = {}, []
    for seed, d in nets["seeds"].items():
        fits[seed] = {}
        finite, diverged = divergence(d)
        for epoch in analysed_epochs("generative", generative, analysis, d["recurrent"].shape[0] - 1):
            accuracy = float(d["evaluation"]["validation_accuracy"][epoch])
            passes = accuracy >= analysis["accuracy_threshold"] and not diverged
            fitted = None
            if finite[epoch] and not diverged and (passes or generative["fit_failing"]):
                target = gnm_target(d["recurrent"][epoch], binar["seeds"][seed][epoch], generative, binarise)
                search_seed = null_seed(generative["seed"], regulariser, strength, seed, epoch)
                fitted = fits[seed][epoch] = _fit_one(
                    target, nets["distance"], generative, search_seed, threads
                )
            row = gnm.summary_row(fitted and fitted["rules"], rules)
            row.update(gnm_robust.robust_row(fitted and fitted["robust"], rules))
            rows.append(
                {"regulariser": regulariser, "strength": strength, "seed": seed, "epoch": epoch, **row}
            )
            if fitted is None:
                why = "diverged" if diverged or not finite[epoch] else f"validation accuracy {accuracy:.3f}"
                say(f"GNM seed {seed} epoch {epoch}: not fitted ({why})")
            else:
                search_s, robust_s = fitted["seconds"]
                say(
                    f"GNM seed {seed} epoch {epoch}: best rule {row['gnm_best_rule']}, energy "
                    f"{row['gnm_best_energy']:.4f}; robust best {row['gnm_robust_best_rule']} "
                    f"({fitted['edges']} edges; search {search_s:.1f} s, robust re-simulation "
                    f"{robust_s:.1f} s = +{100 * robust_s / max(search_s, 1e-9):.0f} %)"
                )
    table = {k: np.asarray([r[k] for r in rows]) for k in rows[0]}
    attrs = _attrs(regulariser, strength, generative, binarise, [r["epoch"] for r in rows])
    storage.write_generative(output, fits, table, attrs, config or {}, gnm.KS_COLUMNS)
