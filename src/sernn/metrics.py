"""One entry point for every structural metric of one network snapshot.

``network_metrics(weights, adjacency, distance)`` returns a flat ``dict[str, float]``; the keys in
``METRIC_COLUMNS`` are always present, in that order, followed by ``LOUVAIN_COLUMNS`` when
``louvain_runs > 0`` and ``SWP_COLUMNS`` when ``swp=True``.

What each value is (definitions in :mod:`sernn.graphs`, :mod:`sernn.nulls`,
:mod:`sernn.modularity`):

- on the binary adjacency A (symmetric, no self-loops; binarised by the caller):
  ``modularity``/``n_modules`` (BCT ``modularity_und`` spectral method, resolution gamma),
  ``clustering`` (mean ``clustering_coef_bu``), ``path_length`` (mean finite off-diagonal hop
  distance), ``efficiency`` (``efficiency_bin``), ``n_components``, ``density``, ``n_edges``,
  ``matching_index`` (mean BCT ``matching_ind`` over off-diagonal pairs);
- against ``n_nulls`` random graphs with A's node and edge counts: ``small_worldness``
  (C/C_null)/(L/L_null), ``small_worldness_efficiency`` (C/C_null)(E/E_null), the null means, the
  z-scores of C and L, ``disconnected_nulls`` (how many nulls have more than one component);
- on |weights| (directed, row = source, diagonal ignored): ``total_weight`` sum |W|,
  ``weighted_edge_length`` sum |W| D, ``weight_distance_corr`` (Pearson over non-zero weights),
  ``weighted_efficiency`` (BCT ``efficiency_wei`` with lengths 1/|W|, directed, not normalised),
  ``modularity_weighted`` (Q of the weighted graph (|W| + |W|^T)/2, diagonal dropped,
  ``sernn.modularity.weighted_modularity``: the authors' ``modularity_und(abs(W))`` made undirected);
- ``clustering_ratio`` C / C_null: the authors' small-worldness (their ``charpath`` of the adjacency
  is its density, the same for the network and its density-matched nulls, so their sigma is C/C_null);
- ``weight_entropy`` (of |W|), ``topological_entropy`` (of A), ``spectral_radius`` and
  ``spectral_spread`` (of W's eigenvalues): :mod:`sernn.spectrum`.

Seeds: ``seed`` is split with ``numpy.random.SeedSequence(seed).spawn(3)`` into independent
streams for the nulls, the Louvain runs and the small-world propensity reference graphs, so the
same inputs and seed give identical floats, and turning Louvain or SWP on leaves the other
columns unchanged.
"""

from __future__ import annotations

import numpy as np

from .graphs import (
    mean_matching_index,
    total_weight,
    validate_adjacency,
    validate_square,
    weight_distance_corr,
    weighted_edge_length,
    weighted_efficiency,
)
from .modularity import louvain_consensus, louvain_modularity, spectral_modularity, weighted_modularity
from .nulls import small_world_propensity, small_worldness
from .spectrum import SPECTRUM_COLUMNS, spectrum_measures

__all__ = ["METRIC_COLUMNS", "LOUVAIN_COLUMNS", "SWP_COLUMNS", "network_metrics", "empty_metrics"]

METRIC_COLUMNS: tuple[str, ...] = (
    "modularity",
    "n_modules",
    "clustering",
    "path_length",
    "efficiency",
    "small_worldness",
    "small_worldness_efficiency",
    "clustering_null_mean",
    "path_length_null_mean",
    "efficiency_null_mean",
    "clustering_z",
    "path_length_z",
    "n_components",
    "disconnected_nulls",
    "total_weight",
    "weight_distance_corr",
    "weighted_edge_length",
    "weighted_efficiency",
    "matching_index",
    "density",
    "n_edges",
    "modularity_weighted",
    "clustering_ratio",
) + SPECTRUM_COLUMNS

#: Added when ``louvain_runs > 0``: best Q over the seeded runs and its module count, and the Q of
#: the consensus partition (Lancichinetti & Fortunato 2012, tau = 0.5) with a convergence flag.
LOUVAIN_COLUMNS: tuple[str, ...] = (
    "modularity_louvain",
    "n_modules_louvain",
    "modularity_louvain_consensus",
    "louvain_consensus_converged",
)

#: Added when ``swp=True``: weighted small-world propensity of |W| (Muldoon et al. 2016).
SWP_COLUMNS: tuple[str, ...] = ("swp", "swp_delta_c", "swp_delta_l")


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def network_metrics(
    weights: np.ndarray,
    adjacency: np.ndarray,
    distance: np.ndarray,
    *,
    n_nulls: int = 1000,
    seed: int = 0,
    gamma: float = 1.0,
    louvain_runs: int = 0,
    swp: bool = False,
) -> dict[str, float]:
    """All structural metrics of one network.

    weights: (n, n) float recurrent weight matrix as trained (signed, directed, row = source).
    adjacency: (n, n) 0/1 symmetric binary graph, no self-loops (binarised by the caller).
    distance: (n, n) Euclidean distances between the units (non-negative).
    n_nulls: number of random null graphs (>= 2). seed: int. gamma: modularity resolution.
    louvain_runs: seeded Louvain runs (0 = skip). swp: add small-world propensity.
    Returns a flat dict of Python floats (keys: module docstring).
    """
    W = validate_square(weights, "weights")
    A = validate_adjacency(adjacency)
    D = validate_square(distance, "distance")
    n = A.shape[0]
    if W.shape != (n, n) or D.shape != (n, n):
        raise ValueError(f"shapes differ: weights {W.shape}, adjacency {A.shape}, distance {D.shape}")
    neg = D < 0
    if neg.any():
        i, j = np.argwhere(neg)[0]
        raise ValueError(f"distance must be non-negative; distance[{i}, {j}]={D[i, j]}")
    n_nulls = _check_int(n_nulls, "n_nulls", 2)
    louvain_runs = _check_int(louvain_runs, "louvain_runs", 0)
    seed = _check_int(seed, "seed", 0)
    null_ss, louvain_ss, swp_ss = np.random.SeedSequence(seed).spawn(3)

    labels, Q = spectral_modularity(A, gamma)
    sw = small_worldness(A, n_nulls, np.random.default_rng(null_ss))
    n_edges = float(np.triu(A, 1).sum())
    out: dict[str, float] = {
        "modularity": Q,
        "n_modules": float(labels.max() + 1),
        "clustering": sw["clustering"],
        "path_length": sw["path_length"],
        "efficiency": sw["efficiency"],
        "small_worldness": sw["sigma"],
        "small_worldness_efficiency": sw["sigma_efficiency"],
        "clustering_null_mean": sw["clustering_null_mean"],
        "path_length_null_mean": sw["path_length_null_mean"],
        "efficiency_null_mean": sw["efficiency_null_mean"],
        "clustering_z": sw["clustering_z"],
        "path_length_z": sw["path_length_z"],
        "n_components": sw["n_components"],
        "disconnected_nulls": sw["disconnected_nulls"],
        "total_weight": total_weight(W),
        "weight_distance_corr": weight_distance_corr(W, D),
        "weighted_edge_length": weighted_edge_length(W, D),
        "weighted_efficiency": weighted_efficiency(W),
        "matching_index": mean_matching_index(A),
        "density": n_edges / (n * (n - 1) / 2) if n > 1 else 0.0,
        "n_edges": n_edges,
        "modularity_weighted": weighted_modularity(W, gamma)[1],
        "clustering_ratio": (
            sw["clustering"] / sw["clustering_null_mean"] if sw["clustering_null_mean"] > 0 else float("nan")
        ),
        **spectrum_measures(W, A),
    }
    if louvain_runs > 0:
        best_ss, cons_ss = louvain_ss.spawn(2)
        best_seed = int(best_ss.generate_state(1)[0])
        cons_seed = int(cons_ss.generate_state(1)[0])
        lab_l, q_l = louvain_modularity(A, louvain_runs, best_seed, gamma)
        _, q_c, conv = louvain_consensus(A, louvain_runs, cons_seed, gamma)
        out["modularity_louvain"] = q_l
        out["n_modules_louvain"] = float(lab_l.max() + 1)
        out["modularity_louvain_consensus"] = q_c
        out["louvain_consensus_converged"] = float(conv)
    if swp:
        s = small_world_propensity(W, np.random.default_rng(swp_ss))
        out["swp"] = s["swp"]
        out["swp_delta_c"] = s["delta_c"]
        out["swp_delta_l"] = s["delta_l"]
    return {k: float(v) for k, v in out.items()}


def empty_metrics(*, louvain_runs: int = 0, swp: bool = False) -> dict[str, float]:
    """The row of a snapshot that cannot be measured (non-finite weights: a diverged network): the
    keys ``network_metrics`` returns with these options, in its order, every value NaN."""
    keys = METRIC_COLUMNS + (LOUVAIN_COLUMNS if louvain_runs > 0 else ()) + (SWP_COLUMNS if swp else ())
    return dict.fromkeys(keys, float("nan"))


def compile_kernels() -> None:
    """Compile the numba kernels behind ``network_metrics`` for the array types the workflow passes
    (float32 weights, uint8 adjacency, float64 distances) and keep them in numba's on-disk cache,
    so that no metrics job pays the compilation (seconds). ``make setup`` calls it; without it the
    first jobs of a run compile, the later ones load the cache."""
    from . import binarise, embedding

    weights = np.random.default_rng(0).normal(size=(30, 30)).astype(np.float32)
    adjacency = binarise.undirected(
        binarise.binarise_stack(
            weights[None], method="proportional", fraction=0.2, symmetrise="max", drop_diagonal=True
        )[0]
    )
    distance = embedding.distance_matrix(embedding.grid_coordinates((3, 5, 2)))
    network_metrics(weights, adjacency, distance, n_nulls=4, louvain_runs=1, swp=True)
