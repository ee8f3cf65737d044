"""Modularity: Newman's spectral method with fine-tuning (BCT ``modularity_und``) and Louvain.

``spectral_modularity`` follows the algorithm of the MATLAB Brain Connectivity Toolbox's
``modularity_und(A, gamma)`` (Newman 2006, PNAS 103:8577; Reichardt & Bornholdt 2006 for gamma):

1. B = A - gamma k k^T / (2m).  Start with one module holding every node.
2. For a module with node set g, B_g = B[g, g] - diag(row sums of B[g, g]) (the whole network uses
   B itself). Take the eigenvector of the largest eigenvalue of B_g, split the nodes by its sign
   (s_i = +1 where v_i >= 0, else -1); the gain is q = s^T B_g s.
3. If q > 1e-10, fine-tune (Kernighan-Lin style): with the diagonal of B_g zeroed, move each node
   exactly once, always the not-yet-moved node whose move gives the highest q (the first such node
   on ties), keeping the best split seen. If the best split leaves one side empty, or q <= 1e-10,
   the module is indivisible; otherwise both halves are examined in turn.
4. Q = sum_ij B_ij [c_i = c_j] / (2m).

The procedure is deterministic. Labels are returned 0-based, numbered in order of each module's
first node (BCT's own numbering depends on the order of examination and on eigenvector signs,
neither of which changes the partition).

bctpy 0.6.1's ``modularity_und`` differs from the MATLAB code in two ways besides its numpy-2 crash:
the fine-tuned split is aliased to the working copy (``mod_asgn = mod_asgn_iter`` without a copy),
so the fine-tuning result is discarded; and it divides when q > 0 instead of q > 1e-10. We follow
the MATLAB code (see ``tests/test_modularity.py``).
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.linalg

from .graphs import validate_square

__all__ = [
    "modularity_matrix",
    "modularity_q",
    "spectral_modularity",
    "weighted_modularity",
    "louvain_partitions",
    "louvain_modularity",
    "louvain_consensus",
    "agreement_matrix",
]

_DIVISIBLE_TOL = 1e-10  # BCT: "if q>1e-10"


def _validate_undirected_weights(A: np.ndarray, name: str = "adjacency") -> np.ndarray:
    A = validate_square(A, name)
    neg = A < 0
    if neg.any():
        i, j = np.argwhere(neg)[0]
        raise ValueError(f"{name} must be non-negative; {name}[{i}, {j}]={A[i, j]}")
    asym = A != A.T
    if asym.any():
        i, j = np.argwhere(asym)[0]
        raise ValueError(
            f"{name} must be symmetric; {name}[{i}, {j}]={A[i, j]} but {name}[{j}, {i}]={A[j, i]}"
        )
    return A


def modularity_matrix(A: np.ndarray, gamma: float = 1.0) -> tuple[np.ndarray, float]:
    """(B, 2m): B = A - gamma k k^T / (2m) for A: (n, n) symmetric non-negative weights.

    2m = sum of all entries of A. Raises ValueError if A has no edges.
    """
    A = _validate_undirected_weights(A)
    k = A.sum(axis=0)
    two_m = float(k.sum())
    if two_m <= 0:
        raise ValueError("modularity is undefined for a graph without edges (sum of A is 0)")
    return A - gamma * np.outer(k, k) / two_m, two_m


def _canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel to 0..c-1 in order of first appearance."""
    _, first, inv = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inv].astype(np.int64)


def modularity_q(A: np.ndarray, labels: np.ndarray, gamma: float = 1.0) -> float:
    """Modularity Q of a partition: sum_ij B_ij [c_i = c_j] / (2m), as BCT computes it.

    A: (n, n) symmetric non-negative weights; labels: (n,) community of each node (any ints).
    ``nan`` when A has no edges.
    """
    A = _validate_undirected_weights(A)
    labels = np.asarray(labels)
    if labels.shape != (A.shape[0],):
        raise ValueError(f"labels must have shape ({A.shape[0]},), got {labels.shape}")
    if A.sum() <= 0:
        return float("nan")
    B, two_m = modularity_matrix(A, gamma)
    same = labels[:, None] == labels[None, :]
    return float(B[same].sum() / two_m)


@numba.njit(cache=True)
def _fine_tune(Bz, S, q):
    """BCT fine-tuning of a split. Bz: (g, g) B_g with zeroed diagonal; S: (g,) +-1; q: its gain.

    Moves every node once, each time the unmoved node with the highest resulting gain (the first
    one on ties). Returns the best split seen (a new array) and its gain.
    """
    ng = S.shape[0]
    best = S.copy()
    sit = S.copy()
    unmoved = np.ones(ng, dtype=np.bool_)
    bs = Bz @ sit
    qmax = q
    for _ in range(ng):
        imax = -1
        qbest = -np.inf
        for i in range(ng):
            if unmoved[i]:
                qi = qmax - 4.0 * sit[i] * bs[i]
                if imax < 0 or qi > qbest:
                    qbest = qi
                    imax = i
        qmax = qbest
        old = sit[imax]
        sit[imax] = -old
        unmoved[imax] = False
        for i in range(ng):  # keep bs = Bz @ sit
            bs[i] -= 2.0 * old * Bz[i, imax]
        if qmax > q:
            q = qmax
            best[:] = sit
    return best, q


def _leading_eigenvector(Bg: np.ndarray) -> np.ndarray:
    if Bg.shape[0] == 1:
        return np.ones(1)
    _, vec = scipy.linalg.eigh(Bg, subset_by_index=[Bg.shape[0] - 1, Bg.shape[0] - 1])
    v = vec[:, 0]
    # fix the arbitrary sign: largest-magnitude entry positive (does not change the partition)
    if v[np.argmax(np.abs(v))] < 0:
        v = -v
    return v


def spectral_modularity(
    A: np.ndarray, gamma: float = 1.0, *, fine_tune: bool = True
) -> tuple[np.ndarray, float]:
    """Newman spectral modularity with fine-tuning, as BCT ``modularity_und(A, gamma)``.

    A: (n, n) symmetric, non-negative (binary or weighted) adjacency; the diagonal is used as BCT
    uses it. gamma: resolution (1 = classic modularity). fine_tune=False skips step 3's
    fine-tuning (plain repeated spectral bisection; what bctpy 0.6.1 effectively computes).
    Returns (labels, Q): labels (n,) int64, 0-based, numbered by first node; Q float.
    A graph without edges gives one module and Q = nan. Deterministic (module docstring).

    Splits are evaluated on 2m B = 2m A - gamma k k^T, which for a binary A and integer gamma
    holds integers, so the gains compared during fine-tuning are exact and ties go to the first
    node as in exact arithmetic (BCT compares rounded floats, so near-ties can go either way).
    """
    A = _validate_undirected_weights(A)
    gamma = float(gamma)
    if not np.isfinite(gamma) or gamma < 0:
        raise ValueError(f"gamma must be a finite non-negative number, got {gamma!r}")
    n = A.shape[0]
    if A.sum() <= 0:
        return np.zeros(n, dtype=np.int64), float("nan")
    k = A.sum(axis=0)
    two_m = float(k.sum())
    Bs = two_m * A - gamma * np.outer(k, k)  # 2m * B
    tol = _DIVISIBLE_TOL * two_m

    labels = np.zeros(n, dtype=np.int64)
    n_mod = 1
    stack = [(np.arange(n), True)]
    while stack:
        ind, whole = stack.pop()
        if whole:  # BCT examines the whole network with B itself
            Bg = Bs.copy()
        else:
            Bg = Bs[np.ix_(ind, ind)]
            Bg = Bg - np.diag(Bg.sum(axis=0))
        v = _leading_eigenvector(Bg)
        # BCT: s_i = -1 where v_i < 0. Entries that are zero up to rounding (isolated nodes have
        # exactly zero rows) get +1 whatever the sign of their rounding error.
        S = np.where(v < -1e-12 * np.abs(v).max(), -1.0, 1.0)
        q = float(S @ Bg @ S)
        if q <= tol:
            continue
        if fine_tune:
            np.fill_diagonal(Bg, 0.0)
            S, q = _fine_tune(Bg, S, q)
        if abs(S.sum()) == ind.size:
            continue
        pos, neg = ind[S > 0], ind[S < 0]
        labels[neg] = n_mod
        n_mod += 1
        stack.append((pos, False))
        stack.append((neg, False))
    labels = _canonical_labels(labels)
    return labels, modularity_q(A, labels, gamma)


def symmetric_part(weights: np.ndarray) -> np.ndarray:
    """The undirected graph that ``weighted_modularity`` partitions: (|W| + |W|^T) / 2 with a zero
    diagonal. weights: (n, n) real (signed, directed). Returns (n, n) float64, symmetric, >= 0."""
    W = np.abs(validate_square(weights, "weights").astype(np.float64))
    S = (W + W.T) / 2.0
    np.fill_diagonal(S, 0.0)
    return S


def weighted_modularity(weights: np.ndarray, gamma: float = 1.0) -> tuple[np.ndarray, float]:
    """Q of the weighted network |W| (the authors' ``modularity_und(abs(W))``, made undirected).

    weights: (n, n) recurrent weights (signed, directed; any orientation). BCT's ``modularity_und``
    assumes a symmetric input; the MATLAB code run on the directed |W| takes k as column sums
    (in-strength only), the eigenvector of a non-symmetric B and a fine-tuning gain 4 s_i (B s)_i
    that is exact only for symmetric B, so its partition is not the best of any stated objective.
    Here |W| enters as its symmetric part (|W| + |W|^T) / 2 (``symmetric_part``: the same Q for W and
    W^T; each unordered pair weighs the mean of its two directions; k = (in + out strength) / 2),
    self-connections dropped as in every other weighted measure of this package, and is
    partitioned by ``spectral_modularity`` (BCT's algorithm, resolution gamma).
    Returns (labels (n,), Q); Q = nan when W is all zeros.
    """
    return spectral_modularity(symmetric_part(weights), gamma)


# ---------------------------------------------------------------------------------------------
# Louvain (networkx), seeded


def _run_seeds(seed, runs: int) -> np.ndarray:
    if int(runs) != runs or runs < 1:
        raise ValueError(f"runs must be a positive integer, got {runs!r}")
    if isinstance(seed, np.random.Generator):
        return seed.integers(0, 2**31 - 1, size=int(runs))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int or numpy.random.Generator, got {seed!r}")
    return np.random.SeedSequence(int(seed)).generate_state(int(runs)) & 0x7FFFFFFF


def louvain_partitions(A: np.ndarray, runs: int = 100, seed=0, gamma: float = 1.0) -> np.ndarray:
    """``runs`` seeded Louvain partitions (networkx ``louvain_communities``) of a weighted graph.

    A: (n, n) symmetric non-negative weights (diagonal ignored). Returns (runs, n) int64 labels,
    each row canonical (0-based, numbered by first node). Run r uses a seed derived from ``seed``
    (``numpy.random.SeedSequence(seed).generate_state(runs)``), so results are reproducible.
    """
    import networkx as nx  # here, not at the top: only Louvain needs it (it costs a job ~0.1 s)

    A = _validate_undirected_weights(A).copy()
    np.fill_diagonal(A, 0.0)
    G = nx.from_numpy_array(A)
    n = A.shape[0]
    out = np.empty((int(runs), n), dtype=np.int64)
    for r, s in enumerate(_run_seeds(seed, runs)):
        comms = nx.community.louvain_communities(G, weight="weight", resolution=gamma, seed=int(s))
        lab = np.empty(n, dtype=np.int64)
        for c, nodes in enumerate(comms):
            lab[list(nodes)] = c
        out[r] = _canonical_labels(lab)
    return out


def louvain_modularity(
    A: np.ndarray, runs: int = 100, seed=0, gamma: float = 1.0
) -> tuple[np.ndarray, float]:
    """Best of ``runs`` seeded Louvain partitions by Q. Returns (labels (n,), Q).

    A: (n, n) symmetric non-negative weights. The first partition reaching the highest Q wins.
    A graph without edges gives one module and Q = nan.
    """
    A = _validate_undirected_weights(A)
    if A.sum() <= 0:
        return np.zeros(A.shape[0], dtype=np.int64), float("nan")
    parts = louvain_partitions(A, runs, seed, gamma)
    qs = np.array([modularity_q(A, p, gamma) for p in parts])
    best = int(np.argmax(qs))
    return parts[best], float(qs[best])


def agreement_matrix(partitions: np.ndarray) -> np.ndarray:
    """Fraction of partitions that put each pair of nodes together: (runs, n) -> (n, n), diag 0."""
    P = np.asarray(partitions)
    runs, n = P.shape
    D = np.zeros((n, n))
    for p in P:
        D += p[:, None] == p[None, :]
    D /= runs
    np.fill_diagonal(D, 0.0)
    return D


def louvain_consensus(
    A: np.ndarray, runs: int = 100, seed=0, gamma: float = 1.0, tau: float = 0.5, max_iter: int = 20
) -> tuple[np.ndarray, float, bool]:
    """Consensus of seeded Louvain runs (Lancichinetti & Fortunato 2012; BCT ``consensus_und``).

    ``runs`` partitions of A give an agreement matrix D; entries below tau are zeroed and Louvain
    (gamma = 1) is run ``runs`` times on D, repeating until all runs agree. Returns
    (labels (n,), Q of the consensus partition on A at resolution gamma, converged). If the runs
    still disagree after ``max_iter`` rounds, the best-Q partition (on A) of the last round is
    returned with converged=False.
    """
    A = _validate_undirected_weights(A)
    if not 0 <= tau <= 1:
        raise ValueError(f"tau must be in [0, 1], got {tau!r}")
    if A.sum() <= 0:
        return np.zeros(A.shape[0], dtype=np.int64), float("nan"), True
    seeds = _run_seeds(seed, max_iter + 1)
    parts = louvain_partitions(A, runs, int(seeds[0]), gamma)
    for it in range(max_iter):
        if (parts == parts[0]).all():
            return parts[0], modularity_q(A, parts[0], gamma), True
        D = agreement_matrix(parts)
        D[D < tau] = 0.0
        if D.sum() == 0:  # nothing agrees: every node on its own
            lab = np.arange(A.shape[0], dtype=np.int64)
            return lab, modularity_q(A, lab, gamma), True
        parts = louvain_partitions(D, runs, int(seeds[it + 1]), 1.0)
    if (parts == parts[0]).all():
        return parts[0], modularity_q(A, parts[0], gamma), True
    qs = np.array([modularity_q(A, p, gamma) for p in parts])
    best = int(np.argmax(qs))
    return parts[best], float(qs[best]), False
