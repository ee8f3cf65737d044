"""Binary generative network models (GNMs): the 13 wiring rules of Betzel et al. (2016) as the Brain
Connectivity Toolbox (BCT ``generative_model.m``) defines them, their energy, and the Voronoi parameter
search that Achterberg, Akarca et al. (2023) ran on trained seRNN / L1 networks.

The specification is ``docs/generative.md`` (shared docs): section numbers below refer to it.

Growth (section 2). Candidates are the unordered pairs i < j in BCT's column-major order
(0,1), (0,2), (1,2), (0,3), (1,3), (2,3), ... (0-based), i.e. pair p = j(j-1)/2 + i. With
Fd = D^eta (powerlaw) or exp(eta D) (exponential) and Fk = K^gamma or exp(gamma K), K including
``+ epsilon``, each non-edge has weight w = Fd Fk (edges have weight 0, by select, never multiply).
One draw U ~ Uniform[0, 1) per added edge picks the first pair whose running sum of w exceeds
U * sum(w). The random stream is explicit: ``uniforms`` (or a seed for
``numpy.random.default_rng(seed).random(m - m_seed)``), so the plain numpy reference in
``tests/gnm_reference.py`` replays it exactly. K is updated incrementally after each edge as BCT does
(section 3). The compiled kernel keeps per-pair weights plus block sums over blocks of
``_BLOCK`` consecutive pairs: only the blocks whose weights changed are re-summed, and a draw scans the
block sums, then one block. Sums are therefore grouped differently from a single cumulative sum;
the pair chosen differs only when U * sum(w) falls within rounding (~1e-16 relative) of a boundary.

Energy (section 4). E = max of four two-sample Kolmogorov-Smirnov statistics (degree, clustering as
BCT ``clustering_coef_bu``, betweenness as BCT ``betweenness_bin`` (ordered pairs, unnormalised) and
edge length D over the upper triangle), each equal to ``scipy.stats.ks_2samp(x, y).statistic``.
KS columns are always ordered [degree, clustering, betweenness, edge length] (BCT's
``evaluate_generative_model`` order). Betweenness values are sums of path fractions, so equal exact
values computed on two different graphs can differ in the last bits; the KS merge treats values
within 1e-9 (relative) as tied, which changes nothing for the discrete statistics.

Search (section 5). Level 1 draws eta, gamma uniformly in the bounds; level L >= 2 draws from the
2-D Voronoi cells of all points so far (mapped onto the unit square), a cell chosen with probability
proportional to E^-alpha, alpha = linspace(0, pow, levels)[L-1], then a point by rejection inside the
cell. Cells are bounded by mirroring the points across the four sides of the unit square, which gives
exactly the cells clipped to the square; MATLAB's ``voronoin`` instead marks unbounded cells with an
(Inf, Inf) vertex that clipping turns into (1, 1), which distorts the boundary cells (a quirk we do
not reproduce). 'sptl' uses the 1-D version on eta; its gamma is 0 from level 2 on.

Not reproduced from bctpy 0.6.1 (section 6): its off-by-one draw, the matching rule that never
updates K^gamma, the neighbours update on the wrong columns, state shared between parameter sets.
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from sernn import binarise as _binarise
from sernn import graphs as _graphs

__all__ = [
    "RULES",
    "MODELVARS",
    "KS_COLUMNS",
    "authors_target",
    "simulate",
    "simulate_trace",
    "edges_to_adjacency",
    "network_statistics",
    "ks_statistic",
    "target_statistics",
    "energy",
    "voronoi_select",
    "voronoi_select_1d",
    "search",
    "fit",
    "column_suffix",
    "summary_columns",
    "summary_row",
    "compile_kernels",
]

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
"""The 13 rules in the authors' order (their model index 1..13 is position + 1)."""

MODELVARS = ("powerlaw", "exponential")
KS_COLUMNS = ("degree", "clustering", "betweenness", "edge_length")

_BLOCK = 64  # pairs per block sum in the growth kernel
_KS_TIE = 1e-9  # relative tolerance under which two statistic values count as tied


# ---------------------------------------------------------------------------------------------
# input checks and small helpers


def _rule_code(rule: str) -> int:
    if rule not in RULES:
        raise ValueError(f"unknown GNM rule {rule!r}; expected one of {RULES}")
    return RULES.index(rule)


def _modelvar_codes(modelvar) -> tuple[int, int]:
    if isinstance(modelvar, str) or len(modelvar) != 2:
        raise ValueError(f"modelvar must be a pair like ('powerlaw', 'powerlaw'), got {modelvar!r}")
    for v in modelvar:
        if v not in MODELVARS:
            raise ValueError(f"modelvar entries must be one of {MODELVARS}, got {v!r}")
    return MODELVARS.index(modelvar[0]), MODELVARS.index(modelvar[1])


def _check_distance(distance: np.ndarray) -> np.ndarray:
    """(n, n) finite, symmetric, strictly positive off the diagonal (D^eta must stay finite)."""
    D = _graphs.validate_square(distance, "distance")
    n = D.shape[0]
    if n < 2:
        raise ValueError(f"distance must have at least 2 nodes, got shape {D.shape}")
    if not np.array_equal(D, D.T):
        i, j = np.argwhere(D != D.T)[0]
        raise ValueError(
            f"distance must be symmetric; distance[{i}, {j}]={D[i, j]} but distance[{j}, {i}]={D[j, i]}"
        )
    off = ~np.eye(n, dtype=bool)
    bad = off & (D <= 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"distance must be > 0 off the diagonal (D^eta would be inf or 0); distance[{i}, {j}]={D[i, j]}"
        )
    return D


@functools.lru_cache(maxsize=8)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-major candidate pairs: iu (P,), ju (P,) with iu < ju, and pidx (n, n) pair index
    (symmetric, -1 on the diagonal). Read-only, cached per n."""
    ju, iu = np.tril_indices(n, -1)  # (1,0),(2,0),(2,1),... -> pairs (0,1),(0,2),(1,2),...
    iu = iu.astype(np.int64)
    ju = ju.astype(np.int64)
    pidx = np.full((n, n), -1, dtype=np.int64)
    pidx[iu, ju] = np.arange(iu.size)
    pidx[ju, iu] = np.arange(iu.size)
    for a in (iu, ju, pidx):
        a.flags.writeable = False
    return iu, ju, pidx


def _distance_factor(dpairs: np.ndarray, eta: float, kind: int) -> np.ndarray:
    """Fd per pair: D^eta (powerlaw) or exp(eta D) (exponential). dpairs: (P,) > 0."""
    if kind == 0:
        return dpairs ** float(eta)
    return np.exp(float(eta) * dpairs)


def _combine(x: np.ndarray, code: int) -> np.ndarray:
    """Pairwise combiner f(x_i, x_j) as an (n, n) matrix: avg, min, max, diff, prod."""
    a, b = x[:, None], x[None, :]
    if code == 0:
        return (a + b) / 2.0
    if code == 1:
        return np.minimum(a, b)
    if code == 2:
        return np.maximum(a, b)
    if code == 3:
        return np.abs(a - b)
    return a * b


def _seed_state(rule: int, seed_adjacency: np.ndarray, epsilon: float):
    """Initial K (+ epsilon) per pair and clustering c (n,) for a seed network (section 3)."""
    A = seed_adjacency.astype(np.float64)
    n = A.shape[0]
    iu, ju, _ = _pairs(n)
    c = np.zeros(n)
    if rule == 0:
        K = np.zeros((n, n))
    elif rule == 1:
        K = A @ A
    elif rule == 2:
        K = _graphs.matching_index(seed_adjacency)
    elif rule <= 7:
        c = _graphs.clustering_coefficients(seed_adjacency)
        K = _combine(c, rule - 3)
    else:
        K = _combine(A.sum(axis=1), rule - 8)
    return np.ascontiguousarray(K[iu, ju] + epsilon), c


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


def edges_to_adjacency(edges: np.ndarray, n: int) -> np.ndarray:
    """(m, 2) undirected edge list -> (n, n) uint8 symmetric adjacency."""
    edges = np.asarray(edges, dtype=np.int64)
    A = np.zeros((n, n), dtype=np.uint8)
    A[edges[:, 0], edges[:, 1]] = 1
    A[edges[:, 1], edges[:, 0]] = 1
    return A


# ---------------------------------------------------------------------------------------------
# growth kernel


@numba.njit(cache=True, inline="always")
def _fcomb(x, y, code):
    if code == 0:
        return (x + y) / 2.0
    if code == 1:
        return min(x, y)
    if code == 2:
        return max(x, y)
    if code == 3:
        return abs(x - y)
    return x * y


@numba.njit(cache=True, inline="always")
def _gk(K, gamma, kind):
    if kind == 0:
        return K**gamma
    return np.exp(gamma * K)


@numba.njit(cache=True, inline="always")
def _block_sum(w, start, stop):
    """sum(w[start:stop]) with four interleaved accumulators (one fixed grouping, so the result is
    deterministic; four independent additions per cycle instead of one dependent chain)."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    p = start
    while p + 4 <= stop:
        s0 += w[p]
        s1 += w[p + 1]
        s2 += w[p + 2]
        s3 += w[p + 3]
        p += 4
    while p < stop:
        s0 += w[p]
        p += 1
    return (s0 + s1) + (s2 + s3)


@numba.njit(cache=True)
def _grow(n, rule, fd, Kp, c, gamma, kind, eps, uniforms, seed_edges, iu, ju, pidx, edges, trace_K, trace_w):
    """Grow a network by ``uniforms.shape[0]`` edges on top of ``seed_edges``.

    fd: (P,) distance factor; Kp: (P,) initial K + eps per pair (overwritten); c: (n,) initial
    clustering (clu-* rules; overwritten). edges: (m, 2) int64 output, seed first. trace_K, trace_w:
    (steps, P) or (0, P): when non-empty, K and w after every step. Returns 0, or -(t + 1) when the
    total weight at step t is not a positive finite number.
    """
    P = fd.shape[0]
    B = _BLOCK
    nb = (P + B - 1) // B
    W = (n + 63) // 64
    rows = np.zeros((n, W), dtype=np.uint64)
    A = np.zeros((n, n), dtype=np.uint8)
    k = np.zeros(n, dtype=np.int64)
    one = np.uint64(1)
    ms = seed_edges.shape[0]
    for s in range(ms):
        a = seed_edges[s, 0]
        b = seed_edges[s, 1]
        A[a, b] = 1
        A[b, a] = 1
        rows[a, b >> 6] |= one << np.uint64(b & 63)
        rows[b, a >> 6] |= one << np.uint64(a & 63)
        k[a] += 1
        k[b] += 1
        edges[s, 0] = a
        edges[s, 1] = b
    w = np.empty(P)
    for p in range(P):
        if A[iu[p], ju[p]] != 0:
            w[p] = 0.0
        elif rule == 0:
            w[p] = fd[p]
        else:
            w[p] = fd[p] * _gk(Kp[p], gamma, kind)
    bs = np.zeros(nb)
    for b in range(nb):
        bs[b] = _block_sum(w, b * B, min(P, (b + 1) * B))
    dirty = np.zeros(nb, dtype=np.bool_)
    dlist = np.empty(nb, dtype=np.int64)
    S = np.empty(n + 2, dtype=np.int64)
    hop = np.zeros(W, dtype=np.uint64)
    chg = np.empty((n + 2) * n, dtype=np.int64)  # pairs changed in this step, and their new Fk
    fkv = np.empty((n + 2) * n)
    uval = np.empty(n)  # clu-*: distinct clustering values, group of each node, power per group
    gid = np.empty(n, dtype=np.int64)
    gv = np.empty(n)
    # memo of K^gamma: deg-* by (k_i, k_j), matching by (common neighbours, denominator)
    table = np.full((n, n) if rule >= 8 else ((n + 1, 2 * n + 1) if rule == 2 else (1, 1)), np.nan)
    ntrace = trace_K.shape[0]
    code = (rule - 3) % 5
    steps = uniforms.shape[0]
    for t in range(steps):
        total = 0.0
        for b in range(nb):
            total += bs[b]
        if not (total > 0.0 and total < np.inf):
            return -(t + 1)
        x = uniforms[t] * total
        # block, then pair: the first pair whose running sum exceeds x
        acc = 0.0
        blk = -1
        for b in range(nb):
            nxt = acc + bs[b]
            if nxt > x:
                blk = b
                break
            acc = nxt
        if blk < 0:  # rounding: x at the very top; take the last block with weight
            for b in range(nb - 1, -1, -1):
                if bs[b] > 0.0:
                    blk = b
                    break
            acc = x  # forces the fallback below (last positive pair of the block)
        r = -1
        last = -1
        for p in range(blk * B, min(P, (blk + 1) * B)):
            if w[p] > 0.0:
                last = p
                acc += w[p]
                if acc > x:
                    r = p
                    break
        if r < 0:
            r = last
        a = iu[r]
        b = ju[r]
        edges[ms + t, 0] = a
        edges[ms + t, 1] = b
        nc = 0
        if rule == 1:  # neighbors: a gains common neighbour b with every y in N(b), and vice versa
            for y in range(n):
                if A[b, y] != 0:
                    p = pidx[a, y]
                    Kp[p] += 1.0
                    chg[nc] = p
                    fkv[nc] = _gk(Kp[p], gamma, kind)
                    nc += 1
            for y in range(n):
                if A[a, y] != 0:
                    p = pidx[b, y]
                    Kp[p] += 1.0
                    chg[nc] = p
                    fkv[nc] = _gk(Kp[p], gamma, kind)
                    nc += 1
        A[a, b] = 1
        A[b, a] = 1
        rows[a, b >> 6] |= one << np.uint64(b & 63)
        rows[b, a >> 6] |= one << np.uint64(a & 63)
        k[a] += 1
        k[b] += 1
        w[r] = 0.0
        dirty[r // B] = True
        dlist[0] = r // B
        nd = 1
        if rule == 2:  # matching: rows a, b, where a common neighbour exists (nodes 2 hops away)
            for e in (a, b):
                for q in range(W):
                    hop[q] = np.uint64(0)
                for q in range(W):
                    bits = rows[e, q]
                    while bits != np.uint64(0):
                        v = q * 64 + _graphs._ctz(bits)
                        bits &= bits - one
                        for r2 in range(W):
                            hop[r2] |= rows[v, r2]
                hop[a >> 6] &= ~(one << np.uint64(a & 63))
                hop[b >> 6] &= ~(one << np.uint64(b & 63))
                for q in range(W):
                    bits = hop[q]
                    while bits != np.uint64(0):
                        j = q * 64 + _graphs._ctz(bits)
                        bits &= bits - one
                        cm = 0
                        for r2 in range(W):
                            cm += _graphs._popcount(rows[e, r2] & rows[j, r2])
                        p = pidx[e, j]
                        den = k[e] + k[j] - 2 * A[e, j]
                        Kp[p] = 2.0 * cm / den + eps
                        fk = table[cm, den]
                        if fk != fk:  # K^gamma depends only on (common, denominator): memoised
                            fk = _gk(Kp[p], gamma, kind)
                            table[cm, den] = fk
                        chg[nc] = p
                        fkv[nc] = fk
                        nc += 1
        elif 3 <= rule <= 7:  # clustering: common neighbours gain a triangle; a, b from scratch
            ns = 0
            for q in range(W):
                bits = rows[a, q] & rows[b, q]
                while bits != np.uint64(0):
                    v = q * 64 + _graphs._ctz(bits)
                    bits &= bits - one
                    c[v] += 2.0 / (k[v] * k[v] - k[v])
                    S[ns] = v
                    ns += 1
            for e in (a, b):
                if k[e] <= 1:
                    c[e] = 0.0
                else:
                    t2 = 0
                    for v in range(n):
                        if A[e, v] != 0:
                            for q in range(W):
                                t2 += _graphs._popcount(rows[e, q] & rows[v, q])
                    c[e] = t2 / (k[e] * k[e] - k[e])
                S[ns] = e
                ns += 1
            # group nodes by equal c (few distinct values): one power per group and row
            order = np.argsort(c)
            ng = 0
            for q in range(n):
                j = order[q]
                if q == 0 or c[j] != uval[ng - 1]:
                    uval[ng] = c[j]
                    ng += 1
                gid[j] = ng - 1
            for si in range(ns):
                s = S[si]
                for g in range(ng):
                    gv[g] = _gk(_fcomb(c[s], uval[g], code) + eps, gamma, kind)
                for j in range(n):
                    if j != s:
                        p = pidx[s, j]
                        Kp[p] = _fcomb(c[s], c[j], code) + eps
                        chg[nc] = p
                        fkv[nc] = gv[gid[j]]
                        nc += 1
        elif rule >= 8:  # degree: rows a and b, both degrees already incremented
            for e in (a, b):
                for j in range(n):
                    if j != e:
                        p = pidx[e, j]
                        Kp[p] = _fcomb(float(k[e]), float(k[j]), code) + eps
                        fk = table[k[e], k[j]]
                        if fk != fk:  # not yet computed in this run
                            fk = _gk(Kp[p], gamma, kind)
                            table[k[e], k[j]] = fk
                        chg[nc] = p
                        fkv[nc] = fk
                        nc += 1
        # new weights at the changed pairs (0 on edges, by select), then re-sum their blocks
        for i in range(nc):
            p = chg[i]
            w[p] = 0.0 if A[iu[p], ju[p]] != 0 else fd[p] * fkv[i]
            bl = p // B
            if not dirty[bl]:
                dirty[bl] = True
                dlist[nd] = bl
                nd += 1
        for i in range(nd):
            bl = dlist[i]
            bs[bl] = _block_sum(w, bl * B, min(P, (bl + 1) * B))
            dirty[bl] = False
        if t < ntrace:
            for p in range(P):
                trace_K[t, p] = Kp[p]
                trace_w[t, p] = w[p]
    return 0


def _prepare(distance, m, rule, eta, gamma, seed, uniforms, modelvar, epsilon, seed_adjacency, checked=True):
    """Validate inputs and build the kernel's arguments (see :func:`simulate`)."""
    code = _rule_code(rule)
    kd, kk = _modelvar_codes(modelvar)
    D = _check_distance(distance) if checked else distance
    n = D.shape[0]
    P = n * (n - 1) // 2
    if seed_adjacency is None:
        seed_edges = np.zeros((0, 2), dtype=np.int64)
        S = None
    else:
        S = _graphs.validate_adjacency(seed_adjacency, "seed_adjacency")
        if S.shape[0] != n:
            raise ValueError(f"seed_adjacency has shape {S.shape}, distance has {D.shape}")
        iu0, ju0, _ = _pairs(n)
        sel = S[iu0, ju0] != 0
        seed_edges = np.stack([iu0[sel], ju0[sel]], axis=1)
    ms = seed_edges.shape[0]
    m = int(m)
    if not ms <= m <= P:
        raise ValueError(f"m (number of edges) must lie in [{ms} (seed edges), {P} (all pairs)], got {m}")
    if not (np.isfinite(eta) and np.isfinite(gamma)):
        raise ValueError(f"eta and gamma must be finite, got eta={eta!r}, gamma={gamma!r}")
    if uniforms is None:
        uniforms = np.random.default_rng(seed).random(m - ms)
    else:
        uniforms = np.ascontiguousarray(uniforms, dtype=np.float64)
        if uniforms.shape != (m - ms,):
            raise ValueError(
                f"uniforms must have shape ({m - ms},) (one per drawn edge), got {uniforms.shape}"
            )
        if uniforms.size and not (uniforms.min() >= 0.0 and uniforms.max() < 1.0):
            raise ValueError("uniforms must lie in [0, 1)")
    iu, ju, pidx = _pairs(n)
    fd = _distance_factor(np.ascontiguousarray(D[iu, ju]), eta, kd)
    if S is None:
        Kp = np.full(P, float(epsilon))
        c = np.zeros(n)
    else:
        Kp, c = _seed_state(code, S, float(epsilon))
    return dict(
        n=n,
        rule=code,
        fd=fd,
        Kp=Kp,
        c=c,
        gamma=float(gamma),
        kind=kk,
        eps=float(epsilon),
        uniforms=uniforms,
        seed_edges=seed_edges,
        iu=iu,
        ju=ju,
        pidx=pidx,
        edges=np.zeros((m, 2), dtype=np.int64),
    )


def _run(args: dict, trace_K: np.ndarray, trace_w: np.ndarray, context: str) -> np.ndarray:
    status = _grow(
        args["n"],
        args["rule"],
        args["fd"],
        args["Kp"],
        args["c"],
        args["gamma"],
        args["kind"],
        args["eps"],
        args["uniforms"],
        args["seed_edges"],
        args["iu"],
        args["ju"],
        args["pidx"],
        args["edges"],
        trace_K,
        trace_w,
    )
    if status != 0:
        raise FloatingPointError(
            f"GNM {context}: the total wiring weight at draw {-status} is not a positive finite number "
            f"(overflow or underflow of D^eta * K^gamma); use other eta/gamma or the powerlaw form"
        )
    return args["edges"]


def simulate(
    distance: np.ndarray,
    m: int,
    rule: str,
    eta: float,
    gamma: float = 0.0,
    *,
    seed=None,
    uniforms: np.ndarray | None = None,
    modelvar: tuple[str, str] = ("powerlaw", "powerlaw"),
    epsilon: float = 1e-5,
    seed_adjacency: np.ndarray | None = None,
) -> np.ndarray:
    """Grow one network with a GNM rule, BCT ``generative_model`` semantics (docstring of the module).

    distance: (n, n) symmetric, > 0 off the diagonal (the units' Euclidean distances). m: total edges
    wanted (seed edges included). rule: one of :data:`RULES`. eta, gamma: the exponents (gamma is
    ignored by 'sptl'). Random stream: ``uniforms`` (m - m_seed,) in [0, 1), one per drawn edge, or
    else ``numpy.random.default_rng(seed).random(m - m_seed)``. modelvar: (distance form, topology
    form), each 'powerlaw' or 'exponential'. seed_adjacency: (n, n) 0/1 symmetric seed network or
    None (empty).

    Returns edges (m, 2) int64, i < j in every row, seed edges first (column-major order), then the
    drawn edges in formation order. Exactly m distinct pairs.
    """
    args = _prepare(distance, m, rule, eta, gamma, seed, uniforms, modelvar, epsilon, seed_adjacency)
    P = args["fd"].shape[0]
    empty = np.zeros((0, P))
    return _run(args, empty, empty, f"rule {rule!r}, eta={eta}, gamma={gamma}")


def simulate_trace(
    distance: np.ndarray,
    m: int,
    rule: str,
    eta: float,
    gamma: float = 0.0,
    *,
    seed=None,
    uniforms: np.ndarray | None = None,
    modelvar: tuple[str, str] = ("powerlaw", "powerlaw"),
    epsilon: float = 1e-5,
    seed_adjacency: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """:func:`simulate` through the same compiled kernel, also recording its state after every draw
    (for tests; memory (m - m_seed) x n(n-1)/2 x 2 floats, so keep n small).

    Returns dict: ``edges`` (m, 2); ``K`` (steps, P): K + epsilon per column-major pair as the kernel
    holds it after each draw (the incrementally updated K; 'sptl' keeps epsilon); ``w`` (steps, P):
    the weights; ``pairs`` (P, 2): the column-major pair list.
    """
    args = _prepare(distance, m, rule, eta, gamma, seed, uniforms, modelvar, epsilon, seed_adjacency)
    P = args["fd"].shape[0]
    steps = args["uniforms"].shape[0]
    tK = np.zeros((steps, P))
    tw = np.zeros((steps, P))
    edges = _run(args, tK, tw, f"rule {rule!r}, eta={eta}, gamma={gamma}")
    return {"edges": edges, "K": tK, "w": tw, "pairs": np.stack([args["iu"], args["ju"]], axis=1)}


# ---------------------------------------------------------------------------------------------
# statistics and energy


@numba.njit(cache=True)
def _statistics(n, ei, ej, D):
    """Degree, clustering (BCT clustering_coef_bu), betweenness (BCT betweenness_bin) and edge
    lengths of the graph with undirected edges (ei, ej); each sorted ascending."""
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


@numba.njit(cache=True)
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


def _as_edges(network: np.ndarray, n: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(n, n) adjacency or (m, 2) edge list -> the two endpoint columns (m,) int64, checked."""
    net = np.asarray(network)
    if net.shape == (n, n):
        A = _graphs.validate_adjacency(net, name)
        i, j = np.nonzero(np.triu(A, 1))
        return i.astype(np.int64), j.astype(np.int64)
    if net.ndim == 2 and net.shape[1] == 2 and net.dtype.kind in "iu":
        ei = np.ascontiguousarray(net[:, 0], dtype=np.int64)
        ej = np.ascontiguousarray(net[:, 1], dtype=np.int64)
        problem = _edge_list_problem(n, ei, ej)
        if problem:
            what = ("indices outside [0, {n})", "a self-loop", "a repeated edge")[problem - 1]
            raise ValueError(f"{name}: the edge list has {what.format(n=n)}")
        return ei, ej
    raise ValueError(
        f"{name} must be an ({n}, {n}) adjacency or an (m, 2) integer edge list, got shape {net.shape}"
    )


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
    """Energy of a simulated network against a target (section 4).

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
    ei, ej = _as_edges(simulated, n, "simulated")
    if ei.shape[0] == 0:
        raise ValueError("simulated network has no edges; GNM energy needs at least one")
    out = _energy_kernel(
        n,
        ei,
        ej,
        D,
        target["degree"],
        target["clustering"],
        target["betweenness"],
        target["edge_length"],
        _KS_TIE,
    )
    return tuple(float(v) for v in out)


# ---------------------------------------------------------------------------------------------
# Voronoi parameter search


def _cell_choice(energies: np.ndarray, ndraw: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Cell index per draw, probability proportional to E^-alpha (inverse-CDF, as MATLAB's
    ``sum(rand*C(end) >= C)``). Energies are floored at 1e-12 so that E = 0 stays finite."""
    e = np.maximum(np.asarray(energies, dtype=np.float64), 1e-12)
    cdist = np.cumsum(e ** (-float(alpha)))
    u = rng.random(ndraw)
    idx = np.searchsorted(cdist, u * cdist[-1], side="right")
    return np.minimum(idx, e.size - 1)


def _dedupe(points: np.ndarray, energies: np.ndarray):
    """Unique points (first occurrence order), each with the lowest energy among its duplicates."""
    uniq, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    best = np.full(uniq.shape[0], np.inf)
    np.minimum.at(best, inverse, energies)
    first = np.full(uniq.shape[0], points.shape[0])
    np.minimum.at(first, inverse, np.arange(points.shape[0]))
    order = np.argsort(first)
    return uniq[order], best[order]


def _inside_convex(poly: np.ndarray, x: float, y: float) -> bool:
    """Point in (or on) a convex polygon with counter-clockwise vertices poly: (k, 2)."""
    px, py = poly[:, 0], poly[:, 1]
    qx, qy = np.roll(px, -1), np.roll(py, -1)
    cross = (qx - px) * (y - py) - (qy - py) * (x - px)
    return bool(np.all(cross >= -1e-12))


def voronoi_select(
    points: np.ndarray, energies: np.ndarray, ndraw: int, alpha: float, rng: np.random.Generator
) -> np.ndarray:
    """New points in the unit square from the 2-D Voronoi cells of ``points`` (section 5.3).

    points: (N, 2) in [0, 1]^2 (eta, gamma mapped by the bounds); energies: (N,). A cell is picked
    per draw with probability proportional to E^-alpha; inside it, uniform points are drawn in the
    bounding box of its vertices (clipped to [0, 1]) until one falls inside the cell, accepting the
    last try after 100 x (draws from that cell) failures. Duplicate points are merged (lowest energy).
    Cells are bounded by mirroring the points across the square's four sides. Returns (ndraw, 2),
    grouped by cell (cells in order of first appearance), not shuffled.
    """
    from scipy.spatial import QhullError, Voronoi

    pts, e = _dedupe(np.asarray(points, dtype=np.float64), np.asarray(energies, dtype=np.float64))
    N = pts.shape[0]
    mirrored = [pts]
    for axis in (0, 1):
        for edge in (0.0, 2.0):
            q = pts.copy()
            q[:, axis] = edge - q[:, axis]
            mirrored.append(q)
    allpts = np.concatenate(mirrored)
    try:
        vor = Voronoi(allpts)
    except QhullError:  # e.g. points on a side, whose mirror image coincides with them
        vor = Voronoi(allpts, qhull_options="Qbb Qc Qz QJ")
    cells = _cell_choice(e, ndraw, alpha, rng)
    counts = np.bincount(cells, minlength=N)
    out = np.empty((ndraw, 2))
    filled = 0
    for i in np.flatnonzero(counts):
        region = vor.regions[vor.point_region[i]]
        verts = np.clip(vor.vertices[[v for v in region if v >= 0]], 0.0, 1.0)
        centre = verts.mean(axis=0)
        ang = np.arctan2(verts[:, 1] - centre[1], verts[:, 0] - centre[0])
        poly = verts[np.argsort(ang)]
        lo, hi = poly.min(axis=0), poly.max(axis=0)
        cnt = int(counts[i])
        for _ in range(cnt):
            r = rng.uniform(lo[0], hi[0])
            s = rng.uniform(lo[1], hi[1])
            tries = 0
            while not _inside_convex(poly, r, s) and tries < 100 * cnt:
                r = rng.uniform(lo[0], hi[0])
                s = rng.uniform(lo[1], hi[1])
                tries += 1
            out[filled] = (r, s)
            filled += 1
    return out


def voronoi_select_1d(
    x: np.ndarray, energies: np.ndarray, ndraw: int, alpha: float, rng: np.random.Generator
) -> np.ndarray:
    """The 1-D version for 'sptl' (``fcn_voronoi_select_sptl``): x (N,) in [0, 1], cells bounded by
    the midpoints between sorted values and by 0 and 1, a cell per draw with probability proportional
    to E^-alpha, then a uniform point inside it. Returns (ndraw,), grouped by cell."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    xs, es = x[order], np.asarray(energies, dtype=np.float64)[order]
    bounds = np.concatenate([[0.0], (xs[1:] + xs[:-1]) / 2.0, [1.0]])
    cells = _cell_choice(es, ndraw, alpha, rng)
    counts = np.bincount(cells, minlength=xs.size)
    out = np.empty(ndraw)
    filled = 0
    for i in np.flatnonzero(counts):
        cnt = int(counts[i])
        out[filled : filled + cnt] = rng.uniform(bounds[i], bounds[i + 1], cnt)
        filled += cnt
    return out


def _check_bounds(bounds, name: str) -> tuple[float, float]:
    lo, hi = (float(v) for v in bounds)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be (low, high) with finite low < high, got {bounds!r}")
    return lo, hi


def search(
    evaluate,
    rule: str,
    levels: int = 5,
    samples: int = 200,
    pow: float = 2.0,
    eta_bounds=(-7.0, 7.0),
    gamma_bounds=(-7.0, 7.0),
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """The Voronoi parameter search of ``fcn_sample_networks`` (section 5) for one rule.

    evaluate(eta, gamma) -> (E, ks_degree, ks_clustering, ks_betweenness, ks_edge_length) is called
    once per sample, in order. Returns dict of arrays over the levels x samples draws: ``eta``,
    ``gamma``, ``energy``, ``ks`` (N, 4) [degree, clustering, betweenness, edge length], ``level``
    (1-based), ``alpha``. For 'sptl' gamma is stored as 0 (the model ignores it; level 1 still
    draws it, so the random stream is the same as for the other rules).
    """
    levels, samples = int(levels), int(samples)
    if levels < 1 or samples < 1:
        raise ValueError(f"levels and samples must be >= 1, got levels={levels}, samples={samples}")
    elo, ehi = _check_bounds(eta_bounds, "eta_bounds")
    glo, ghi = _check_bounds(gamma_bounds, "gamma_bounds")
    rng = np.random.default_rng() if rng is None else rng
    total = levels * samples
    eta = np.empty(total)
    gam = np.empty(total)
    res = np.empty((total, 5))
    level = np.repeat(np.arange(1, levels + 1), samples)
    alphas = np.linspace(0.0, float(pow), levels)
    for L in range(levels):
        sl = slice(L * samples, (L + 1) * samples)
        if L == 0:
            eta[sl] = rng.uniform(elo, ehi, samples)
            gam[sl] = rng.uniform(glo, ghi, samples)  # drawn as MATLAB does, even for 'sptl'
            if rule == "sptl":
                gam[sl] = 0.0  # ... where it is unused: store the 0 that the model sees
        else:
            done = slice(0, L * samples)
            ex = (eta[done] - elo) / (ehi - elo)
            if rule == "sptl":
                eta[sl] = elo + voronoi_select_1d(ex, res[done, 0], samples, alphas[L], rng) * (ehi - elo)
                gam[sl] = 0.0
            else:
                gx = (gam[done] - glo) / (ghi - glo)
                new = voronoi_select(np.stack([ex, gx], axis=1), res[done, 0], samples, alphas[L], rng)
                eta[sl] = elo + new[:, 0] * (ehi - elo)
                gam[sl] = glo + new[:, 1] * (ghi - glo)
        for s in range(sl.start, sl.stop):
            res[s] = evaluate(eta[s], gam[s])
    return {
        "eta": eta,
        "gamma": gam,
        "energy": res[:, 0].copy(),
        "ks": res[:, 1:].copy(),
        "level": level,
        "alpha": alphas[level - 1],
    }


def fit(
    target: np.ndarray,
    distance: np.ndarray,
    rules=RULES,
    levels: int = 5,
    samples: int = 200,
    pow: float = 2.0,
    eta_bounds=(-7.0, 7.0),
    gamma_bounds=(-7.0, 7.0),
    seed=0,
    modelvar: tuple[str, str] = ("powerlaw", "powerlaw"),
    epsilon: float = 1e-5,
) -> dict[str, dict[str, np.ndarray]]:
    """Fit GNM rules to one target network by the Voronoi search, the authors' set-up (section 1):
    empty seed, m = the target's edge count, one simulation per (eta, gamma) sample.

    target: (n, n) 0/1 symmetric adjacency; distance: (n, n) > 0 off the diagonal. seed: int (or
    sequence of ints) for ``numpy.random.SeedSequence``; each rule gets its own stream derived from
    (seed, rule index in :data:`RULES`), so fitting a subset of rules gives the same numbers per rule.
    Returns {rule: {eta, gamma, energy (N,), ks (N, 4) [degree, clustering, betweenness, edge length],
    level (N,), alpha (N,), best_index, best_eta, best_gamma, best_energy, best_ks (4,)}} with
    N = levels x samples; the best sample is the one of minimum energy (first on ties). A simulation
    whose weights overflow (possible only with the exponential form) gets energy 1, the worst
    possible, and NaN KS values.
    """
    stats = target_statistics(target, distance)
    D = stats["distance"]
    m = int(stats["m"])
    if seed is None or isinstance(seed, np.random.Generator):
        raise ValueError(f"fit needs an int seed (or a sequence of ints) for reproducibility, got {seed!r}")
    seq = [int(seed)] if np.isscalar(seed) else [int(s) for s in seed]
    out = {}
    for rule in rules:
        code = _rule_code(rule)
        search_ss, sim_ss = np.random.SeedSequence(seq + [code]).spawn(2)
        sim_rng = np.random.default_rng(sim_ss)
        base = _prepare(D, m, rule, 0.0, 0.0, None, np.zeros(m), modelvar, epsilon, None, checked=False)
        dpairs = np.ascontiguousarray(D[base["iu"], base["ju"]])
        kd = _modelvar_codes(modelvar)[0]
        P = dpairs.size
        empty = np.zeros((0, P))
        ei = np.empty(m, dtype=np.int64)
        ej = np.empty(m, dtype=np.int64)

        def evaluate(eta, gamma, base=base, rule=rule):
            args = dict(
                base,
                fd=_distance_factor(dpairs, eta, kd),
                Kp=np.full(P, float(epsilon)),
                c=np.zeros(D.shape[0]),
                gamma=float(gamma),
                uniforms=sim_rng.random(m),
                edges=np.zeros((m, 2), dtype=np.int64),
            )
            try:
                edges = _run(args, empty, empty, f"rule {rule!r}, eta={eta}, gamma={gamma}")
            except FloatingPointError:  # weights overflowed (exponential form): the worst energy
                return 1.0, np.nan, np.nan, np.nan, np.nan
            ei[:] = edges[:, 0]
            ej[:] = edges[:, 1]
            return _energy_kernel(
                D.shape[0],
                ei,
                ej,
                D,
                stats["degree"],
                stats["clustering"],
                stats["betweenness"],
                stats["edge_length"],
                _KS_TIE,
            )

        res = search(
            evaluate, rule, levels, samples, pow, eta_bounds, gamma_bounds, np.random.default_rng(search_ss)
        )
        b = int(np.argmin(res["energy"]))
        res.update(
            best_index=np.int64(b),
            best_eta=res["eta"][b],
            best_gamma=res["gamma"][b],
            best_energy=res["energy"][b],
            best_ks=res["ks"][b].copy(),
        )
        out[rule] = res
    return out


# ---------------------------------------------------------------------------------------------
# summary of a fit (one row of the workflow's tables)


def column_suffix(rule: str) -> str:
    """The column-name form of a rule: '-' mapped to '_' (``clu-avg`` -> ``clu_avg``)."""
    _rule_code(rule)
    return rule.replace("-", "_")


def summary_columns(rules=RULES) -> list[str]:
    """The summary columns of :func:`summary_row`, in order: gnm_fitted, gnm_best_rule,
    gnm_best_energy, then per rule gnm_energy_<r>, gnm_eta_<r>, gnm_gamma_<r> (r: :func:`column_suffix`)."""
    out = ["gnm_fitted", "gnm_best_rule", "gnm_best_energy"]
    for rule in rules:
        r = column_suffix(rule)
        out += [f"gnm_energy_{r}", f"gnm_eta_{r}", f"gnm_gamma_{r}"]
    return out


def summary_row(fit_result: dict | None, rules=RULES) -> dict:
    """One summary row of a :func:`fit` result (None: a network not fitted, every value empty).

    gnm_fitted (bool); gnm_best_rule: the rule of lowest minimum energy (first in ``rules`` on ties;
    '' when not fitted); gnm_best_energy: that energy; per rule the minimum energy over its samples
    and the (eta, gamma) of that sample (NaN when not fitted).
    """
    row = dict.fromkeys(summary_columns(rules), np.nan)
    row.update(gnm_fitted=fit_result is not None, gnm_best_rule="")
    if fit_result is None:
        return row
    missing = [r for r in rules if r not in fit_result]
    if missing:
        raise ValueError(f"summary_row: the fit result lacks the rule(s) {missing}")
    for rule in rules:
        r, res = column_suffix(rule), fit_result[rule]
        row[f"gnm_energy_{r}"] = float(res["best_energy"])
        row[f"gnm_eta_{r}"] = float(res["best_eta"])
        row[f"gnm_gamma_{r}"] = float(res["best_gamma"])
    best = min(rules, key=lambda rule: (float(fit_result[rule]["best_energy"]), list(rules).index(rule)))
    row.update(gnm_best_rule=best, gnm_best_energy=float(fit_result[best]["best_energy"]))
    return row


def compile_kernels() -> None:
    """Compile the numba kernels behind :func:`fit` (growth, statistics, energy) into numba's on-disk
    cache with the array types the workflow passes, so that no fit job pays the compilation (~6 s
    measured). Meant for ``make setup``, like ``sernn.metrics.compile_kernels``."""
    rng = np.random.default_rng(0)
    coords = rng.random((8, 3)) + np.arange(8)[:, None]  # distinct points: D > 0 off the diagonal
    D = np.sqrt(((coords[:, None] - coords[None]) ** 2).sum(-1))
    A = np.zeros((8, 8), np.uint8)
    for i, j in ((0, 1), (1, 2), (2, 0), (3, 4), (5, 6), (6, 7)):
        A[i, j] = A[j, i] = 1
    fit(A, D, RULES, levels=2, samples=2, seed=0)
