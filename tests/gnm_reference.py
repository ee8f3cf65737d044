"""A slow, plainly written numpy reference of the binary GNMs (growth and energy as the docstring
of :mod:`sernn.generative` and docs/generative.md describe them).

It follows BCT ``generative_model.m`` step by step: the weights of all candidate pairs are rebuilt
from the full K matrix at every step and the pair is drawn from one cumulative sum; K is updated
with BCT's incremental rules. Same conventions as :mod:`sernn.generative`: candidates in BCT's
column-major order (0,1), (0,2), (1,2), (0,3), ...; one uniform U per drawn edge; the pair drawn
is the first whose cumulative weight exceeds U * sum(w). Only empty seeds.

Used by tests/test_generative.py (same uniforms -> identical networks) and by
benchmarks/generative.py (the "faithful numpy implementation" timed side by side).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import ks_2samp

RULES = (
    "sptl",
    "neighbors",
    "matching",
    "clu-avg",
    "clu-min",
    "clu-max",
    "clu-diff",
    "clu-prod",
    "deg-avg",
    "deg-min",
    "deg-max",
    "deg-diff",
    "deg-prod",
)


def column_major_pairs(n):
    """Upper-triangle pairs (i < j) in BCT's column-major order: iu, ju (P,)."""
    iu, ju = [], []
    for j in range(1, n):
        for i in range(j):
            iu.append(i)
            ju.append(j)
    return np.array(iu, dtype=np.int64), np.array(ju, dtype=np.int64)


def combine(x, y, how):
    """The pairwise combiner of the clu-* and deg-* rules (elementwise, broadcasting)."""
    if how == "avg":
        return (x + y) / 2.0
    if how == "min":
        return np.minimum(x, y)
    if how == "max":
        return np.maximum(x, y)
    if how == "diff":
        return np.abs(x - y)
    if how == "prod":
        return x * y
    raise ValueError(how)


def clustering(A):
    """BCT clustering_coef_bu: edges among the neighbours / (k(k-1)/2), 0 when k < 2."""
    A = np.asarray(A, dtype=float)
    k = A.sum(axis=1)
    closed = np.array([A[np.ix_(A[i] > 0, A[i] > 0)].sum() for i in range(A.shape[0])])
    c = np.zeros(A.shape[0])
    ok = k > 1
    c[ok] = closed[ok] / (k[ok] * k[ok] - k[ok])
    return c


def full_K(rule, A, epsilon=1e-5):
    """K + epsilon (n, n) recomputed from scratch for adjacency A (no incremental updates)."""
    A = np.asarray(A, dtype=float)
    n = A.shape[0]
    if rule == "sptl":
        return np.full((n, n), epsilon)
    if rule == "neighbors":
        return A @ A + epsilon
    if rule == "matching":
        k = A.sum(axis=1)
        common = A @ A
        denom = k[:, None] + k[None, :] - 2 * A
        M = np.zeros((n, n))
        ok = denom > 0
        M[ok] = 2 * common[ok] / denom[ok]
        return M + epsilon
    fam, how = rule.split("-")
    x = clustering(A) if fam == "clu" else A.sum(axis=1)
    return combine(x[:, None], x[None, :], how) + epsilon


def simulate_reference(
    D, m, rule, eta, gamma, uniforms, modelvar=("powerlaw", "powerlaw"), epsilon=1e-5, trace=False
):
    """Grow m edges from an empty seed. Returns edges (m, 2) in formation order; with ``trace``, also
    K (m, P): K + epsilon per column-major pair after each draw."""
    D = np.asarray(D, dtype=float)
    n = D.shape[0]
    iu, ju = column_major_pairs(n)
    d = D[iu, ju]
    fd = d**eta if modelvar[0] == "powerlaw" else np.exp(eta * d)
    A = np.zeros((n, n))
    K = np.full((n, n), epsilon)
    c = np.zeros(n)
    edges = np.zeros((m, 2), dtype=np.int64)
    Ks = []
    for t in range(m):
        if rule == "sptl":
            w = np.where(A[iu, ju] != 0, 0.0, fd)
        else:
            Kp = K[iu, ju]
            fk = Kp**gamma if modelvar[1] == "powerlaw" else np.exp(gamma * Kp)
            w = np.where(A[iu, ju] != 0, 0.0, fd * fk)
        C = np.cumsum(w)
        r = int(np.searchsorted(C, uniforms[t] * C[-1], side="right"))
        a, b = int(iu[r]), int(ju[r])
        edges[t] = a, b
        if rule == "neighbors":
            x = np.flatnonzero(A[a])
            y = np.flatnonzero(A[b])
            K[a, y] += 1
            K[y, a] += 1
            K[b, x] += 1
            K[x, b] += 1
        A[a, b] = A[b, a] = 1
        k = A.sum(axis=1)
        if rule == "matching":
            for e in (a, b):
                common = A @ A[:, e]
                js = np.flatnonzero(common)
                js = js[(js != a) & (js != b)]
                K[e, js] = 2 * common[js] / (k[e] + k[js] - 2 * A[e, js]) + epsilon
                K[js, e] = K[e, js]
        elif rule.startswith("clu-"):
            how = rule.split("-")[1]
            W = np.flatnonzero((A[a] > 0) & (A[b] > 0))
            c[W] += 2 / (k[W] ** 2 - k[W])
            for e in (a, b):
                nb = np.flatnonzero(A[e])
                c[e] = A[np.ix_(nb, nb)].sum() / (k[e] ** 2 - k[e]) if k[e] > 1 else 0.0
            S = np.concatenate([W, [a, b]])
            K[S, :] = combine(c[S][:, None], c[None, :], how) + epsilon
            K[:, S] = combine(c[None, S], c[:, None], how) + epsilon
        elif rule.startswith("deg-"):
            how = rule.split("-")[1]
            for e in (a, b):
                K[e, :] = combine(k[e], k, how) + epsilon
                K[:, e] = combine(k, k[e], how) + epsilon
        if trace:
            Ks.append(K[iu, ju].copy())
    if trace:
        return edges, np.array(Ks)
    return edges


def betweenness(A):
    """Brandes betweenness over ordered pairs (BCT betweenness_bin), plain Python."""
    A = np.asarray(A) > 0
    n = A.shape[0]
    nbrs = [np.flatnonzero(A[i]) for i in range(n)]
    bc = np.zeros(n)
    for s in range(n):
        dist = np.full(n, -1)
        sigma = np.zeros(n)
        dist[s], sigma[s] = 0, 1.0
        order, queue = [], [s]
        while queue:
            v = queue.pop(0)
            order.append(v)
            for u in nbrs[v]:
                if dist[u] < 0:
                    dist[u] = dist[v] + 1
                    queue.append(u)
                if dist[u] == dist[v] + 1:
                    sigma[u] += sigma[v]
        delta = np.zeros(n)
        for u in reversed(order[1:]):
            for v in nbrs[u]:
                if dist[v] == dist[u] - 1:
                    delta[v] += sigma[v] / sigma[u] * (1 + delta[u])
            bc[u] += delta[u]
    return bc


def statistics(A, D):
    """degree, clustering, betweenness, edge length (upper triangle) of adjacency A."""
    A = np.asarray(A)
    i, j = np.nonzero(np.triu(A, 1))
    return [A.sum(axis=1).astype(float), clustering(A), betweenness(A), np.asarray(D)[i, j]]


def energy_reference(A_target, A_sim, D):
    """(E, ks_degree, ks_clustering, ks_betweenness, ks_edge_length) with scipy's ks_2samp."""
    ks = [ks_2samp(x, y).statistic for x, y in zip(statistics(A_target, D), statistics(A_sim, D))]
    return (max(ks), *ks)
