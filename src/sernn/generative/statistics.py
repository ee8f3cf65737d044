"""The energy of a simulated network against a target: four network statistics (degree,
clustering, betweenness, edge length), their two-sample Kolmogorov-Smirnov distances, and the
authors' target construction.
"""

from __future__ import annotations

import numba
import numpy as np

from sernn import binarise as _binarise
from sernn import graphs as _graphs

from .kernel import _check_distance

KS_COLUMNS = ("degree", "clustering", "betweenness", "edge_length")

_KS_TIE = 1e-9  # relative tolerance under which two statistic values count as tied


def authors_target(weights: np.ndarray, fraction: float) -> np.ndarray:
    """The authors' GNM target: BCT ``threshold_proportional(|W|, p)`` of the directed matrix (diagonal
    zeroed, the round(p n (n-1)) largest off-diagonal entries kept), then OR-symmetrised.

    weights: (n, n) signed recurrent weights. Returns (n, n) uint8 symmetric 0/1, zero diagonal;
    it has between p n(n-1)/2 and p n(n-1) undirected edges.
    """
    directed = _binarise.binarise(
        weights, method="proportional", fraction=fraction, symmetrise="none", drop_diagonal=True
    )
    return _binarise.undirected(directed)


@numba.njit(cache=True)
def _statistics(n, ei, ej, D):
    """Degree, clustering (BCT clustering_coef_bu), betweenness (BCT betweenness_bin) and edge
    lengths of the graph with undirected edges (ei, ej); each sorted ascending.

    The betweenness is ``graphs._betweenness_kernel``, compiled into this function: numba's disk
    cache of this module does not notice edits to graphs.py, so clear ``__pycache__`` after them."""
    m = ei.shape[0]
    W = (n + 63) // 64
    indptr = np.zeros(n + 1, dtype=np.int64)
    nbr = np.zeros(2 * m, dtype=np.int64)
    rows = np.zeros((n, W), dtype=np.uint64)
    _graphs._build_graph(n, ei, ej, indptr, nbr, rows)
    deg = np.empty(n)
    clu = np.zeros(n)
    for u in range(n):
        k = indptr[u + 1] - indptr[u]
        deg[u] = k
        if k >= 2:
            t = 0
            for q in range(indptr[u], indptr[u + 1]):
                v = nbr[q]
                for x in range(W):
                    t += _graphs._popcount(rows[u, x] & rows[v, x])
            clu[u] = t / (k * k - k)
    bet = _graphs._betweenness_kernel(n, rows)
    lengths = np.empty(m)
    for e in range(m):
        lengths[e] = D[ei[e], ej[e]]
    return np.sort(deg), np.sort(clu), np.sort(bet), np.sort(lengths)


@numba.njit(cache=True)
def _ks_sorted(x, y, tol):
    """Two-sample KS statistic sup |F_x - F_y| of two ascending samples, bit-identical to
    ``scipy.stats.ks_2samp(x, y).statistic``: with both sizes <= 10,000 scipy's exact mode returns
    h / lcm(n1, n2) with h the largest |i n2 - j n1| / gcd (computed here in integers), above that the
    largest float difference of the two empirical CDFs. Values within ``tol`` (relative to
    max(1, |v|)) count as tied; tol = 0 is scipy's behaviour."""
    n1 = x.shape[0]
    n2 = y.shape[0]
    i = 0
    j = 0
    hmax = 0
    dpos = 0.0
    dneg = 0.0
    while i < n1 and j < n2:
        v = min(x[i], y[j])
        lim = v + tol * max(1.0, abs(v))
        while i < n1 and x[i] <= lim:
            i += 1
        while j < n2 and y[j] <= lim:
            j += 1
        h = abs(i * n2 - j * n1)
        if h > hmax:
            hmax = h
        diff = i / n1 - j / n2
        if diff > dpos:
            dpos = diff
        if -diff > dneg:
            dneg = -diff
    if max(n1, n2) <= 10000:
        a = n1
        b = n2
        while b:
            a, b = b, a % b
        return (hmax // a) * 1.0 / ((n1 // a) * n2)
    return dneg if dneg > dpos else dpos


@numba.njit(cache=True, nogil=True)
def _energy_kernel(n, ei, ej, D, t_deg, t_clu, t_bet, t_len, tol):
    deg, clu, bet, lengths = _statistics(n, ei, ej, D)
    k0 = _ks_sorted(t_deg, deg, tol)
    k1 = _ks_sorted(t_clu, clu, tol)
    k2 = _ks_sorted(t_bet, bet, tol)
    k3 = _ks_sorted(t_len, lengths, tol)
    return max(max(k0, k1), max(k2, k3)), k0, k1, k2, k3


@numba.njit(cache=True)
def _edge_list_problem(n, ei, ej):
    """0 for a valid undirected edge list; 1 index out of [0, n), 2 self-loop, 3 repeated edge."""
    seen = np.zeros((n, (n + 63) // 64), dtype=np.uint64)
    for e in range(ei.shape[0]):
        a = ei[e]
        b = ej[e]
        if a < 0 or b < 0 or a >= n or b >= n:
            return 1
        if a == b:
            return 2
        bit = np.uint64(1) << np.uint64(b & 63)
        if seen[a, b >> 6] & bit:
            return 3
        seen[a, b >> 6] |= bit
        seen[b, a >> 6] |= np.uint64(1) << np.uint64(a & 63)
    return 0


@numba.njit(cache=True, nogil=True)
def _edge_list_energy(n, edges, D, t_deg, t_clu, t_bet, t_len, tol):
    """:func:`_energy_kernel` of an (m, 2) int64 edge list (:func:`_edge_array`), the list checked in
    the same compiled call. Returns (problem, E, KS x 4): problem is :func:`_edge_list_problem`'s
    code, or 4 for an empty list (the values are 0 then); see :func:`_edge_error`."""
    m = edges.shape[0]
    ei = np.empty(m, dtype=np.int64)
    ej = np.empty(m, dtype=np.int64)
    for e in range(m):
        ei[e] = edges[e, 0]
        ej[e] = edges[e, 1]
    problem = _edge_list_problem(n, ei, ej)
    if problem == 0 and m == 0:
        problem = 4
    if problem != 0:
        return problem, 0.0, 0.0, 0.0, 0.0, 0.0
    E, k0, k1, k2, k3 = _energy_kernel(n, ei, ej, D, t_deg, t_clu, t_bet, t_len, tol)
    return 0, E, k0, k1, k2, k3


def _edge_error(name: str, problem: int, n: int) -> ValueError:
    """The error for a problem code of :func:`_edge_list_problem` (1-3) or :func:`_edge_list_energy` (4)."""
    if problem == 4:
        return ValueError(f"{name} network has no edges; GNM energy needs at least one")
    what = ("indices outside [0, {n})", "a self-loop", "a repeated edge")[problem - 1]
    return ValueError(f"{name}: the edge list has {what.format(n=n)}")


def _edge_array(network: np.ndarray, n: int, name: str) -> np.ndarray:
    """(n, n) adjacency (validated) or (m, 2) integer edge list -> (m, 2) int64 edges. An edge
    list's indices, self-loops and repeats are checked by the compiled callers
    (:func:`_edge_list_problem`)."""
    net = np.asarray(network)
    if net.shape == (n, n):
        A = _graphs.validate_adjacency(net, name)
        return np.argwhere(np.triu(A, 1)).astype(np.int64)
    if net.ndim == 2 and net.shape[1] == 2 and net.dtype.kind in "iu":
        return np.ascontiguousarray(net, dtype=np.int64)
    raise ValueError(
        f"{name} must be an ({n}, {n}) adjacency or an (m, 2) integer edge list, got shape {net.shape}"
    )


def _as_edges(network: np.ndarray, n: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_edge_array` as its two endpoint columns (m,) int64, checked."""
    edges = _edge_array(network, n, name)
    ei = np.ascontiguousarray(edges[:, 0])
    ej = np.ascontiguousarray(edges[:, 1])
    problem = _edge_list_problem(n, ei, ej)
    if problem:
        raise _edge_error(name, problem, n)
    return ei, ej


def network_statistics(network: np.ndarray, distance: np.ndarray) -> dict[str, np.ndarray]:
    """The four energy statistics of one network, each sorted ascending.

    network: (n, n) 0/1 symmetric adjacency or (m, 2) edge list; distance: (n, n).
    Returns dict with ``degree`` (n,), ``clustering`` (n,) (BCT clustering_coef_bu),
    ``betweenness`` (n,) (BCT betweenness_bin: ordered pairs, unnormalised), ``edge_length`` (m,)
    (distance of every edge, counted once).
    """
    D = _graphs.validate_square(distance, "distance")
    n = D.shape[0]
    ei, ej = _as_edges(network, n, "network")
    deg, clu, bet, lengths = _statistics(n, ei, ej, D)
    return {"degree": deg, "clustering": clu, "betweenness": bet, "edge_length": lengths}


def ks_statistic(x: np.ndarray, y: np.ndarray, tie_tolerance: float = 0.0) -> float:
    """Two-sample Kolmogorov-Smirnov statistic sup_v |F_x(v) - F_y(v)| (ties handled as
    ``scipy.stats.ks_2samp``; with ``tie_tolerance`` > 0, values within that relative distance
    count as equal). x, y: 1-D samples, any order, non-empty."""
    x = np.sort(np.asarray(x, dtype=np.float64).ravel())
    y = np.sort(np.asarray(y, dtype=np.float64).ravel())
    if x.size == 0 or y.size == 0:
        raise ValueError(f"KS needs two non-empty samples, got sizes {x.size} and {y.size}")
    return float(_ks_sorted(x, y, float(tie_tolerance)))


def target_statistics(target: np.ndarray, distance: np.ndarray) -> dict[str, np.ndarray]:
    """Precomputed statistics of a target network for :func:`energy` (reuse them across simulations).

    target: (n, n) 0/1 symmetric adjacency with at least one edge; distance: (n, n).
    Returns :func:`network_statistics` plus ``distance`` (float64 copy) and ``m`` (edge count).
    """
    A = _graphs.validate_adjacency(target, "target")
    D = _check_distance(distance)
    if A.shape != D.shape:
        raise ValueError(f"target has shape {A.shape}, distance has {D.shape}")
    stats = network_statistics(A, D)
    if stats["edge_length"].size == 0:
        raise ValueError("target network has no edges; GNM energy needs at least one")
    stats["distance"] = D
    stats["m"] = np.int64(stats["edge_length"].size)
    return stats


def energy(target, simulated: np.ndarray, distance: np.ndarray | None = None) -> tuple[float, ...]:
    """Energy of a simulated network against a target.

    target: (n, n) 0/1 symmetric adjacency, or the dict of :func:`target_statistics` (then
    ``distance`` may be None). simulated: (n, n) adjacency or (m, 2) edge list. distance: (n, n).
    Returns (E, ks_degree, ks_clustering, ks_betweenness, ks_edge_length), E = the largest KS.
    """
    if not isinstance(target, dict):
        if distance is None:
            raise ValueError("energy: distance is required when target is an adjacency matrix")
        target = target_statistics(target, distance)
    D = target["distance"]
    n = D.shape[0]
    out = _edge_list_energy(
        n,
        _edge_array(simulated, n, "simulated"),
        D,
        target["degree"],
        target["clustering"],
        target["betweenness"],
        target["edge_length"],
        _KS_TIE,
    )
    if out[0]:
        raise _edge_error("simulated", out[0], n)
    return tuple(float(v) for v in out[1:])
