"""The growth kernel of the binary GNMs: rule codes, input checks, the two compiled kernels (one
inlined helper per rule family) and the public :func:`simulate` / :func:`simulate_trace`.

Conventions (see the package docstring): candidate pairs i < j in column-major order, pair
p = j (j - 1) / 2 + i; weights w = Fd Fk per non-edge, 0 on edges; one uniform per drawn edge
picks the first pair whose running sum of w exceeds U * sum(w).

Two layouts of the weights, each with its own fixed grouping of the sums (so a rule's networks are
deterministic; either grouping matches one cumulative sum except within rounding of a boundary):

- :func:`_grow_pairs` (sptl, neighbors, matching change a few pairs per edge): weights in pair
  order, sums over blocks of 64 consecutive pairs, only the changed blocks re-summed.
- :func:`_grow_rows` (clu-*, deg-* rewrite every pair of the changed nodes): weights lane-major,
  pair p in row p % 64 and column p // 64 of a (64, nbp) matrix, so that all block sums are one
  pass that LLVM vectorises across blocks; blocks are grouped by 8 into superblocks, and a draw
  walks the superblock sums, 8 block sums, then up to 64 lanes. A changed node's row of weights is
  computed into a contiguous buffer and then scattered to its lane-major positions
  (:func:`_row_locations`). clu-min and clu-max need one power per changed node (K is c_i + eps or
  c_j + eps); clu-avg, clu-diff and clu-prod one power per changed node and node with the vector
  routines, or, with libm's scalar ones, one per changed node and group of equal clustering (the
  nodes kept sorted by clustering between edges).

Powers go through :mod:`.vecmath`: eight at a time by numpy's SVML where the CPU has AVX-512,
else libm's scalar pow and exp (within 1 ulp of each other; the numbers of one machine and path are
bit-identical run to run).
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from sernn import graphs as _graphs

from . import vecmath as _vecmath
from .vecmath import powers as _powers

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

_BLOCK = 64  # pairs per block sum of _grow_pairs


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
    """(n, n) finite, symmetric, strictly positive off the diagonal (D^eta must stay finite).
    Returns it as float64; the checks run in one compiled pass (:func:`_distance_problem`)."""
    D = np.asarray(distance)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"distance must be a square (n, n) matrix, got shape {D.shape}")
    D = np.ascontiguousarray(D, dtype=np.float64)
    n = D.shape[0]
    if n < 2:
        raise ValueError(f"distance must have at least 2 nodes, got shape {D.shape}")
    kind, i, j = _distance_problem(D)
    if kind == 1:
        raise ValueError(f"distance must be finite; distance[{i}, {j}]={D[i, j]}")
    if kind == 2:
        raise ValueError(
            f"distance must be symmetric; distance[{i}, {j}]={D[i, j]} but distance[{j}, {i}]={D[j, i]}"
        )
    if kind == 3:
        raise ValueError(
            f"distance must be > 0 off the diagonal (D^eta would be inf or 0); distance[{i}, {j}]={D[i, j]}"
        )
    return D


@numba.njit(cache=True)
def _distance_problem(D):
    """The first bad entry (row-major) of a square float64 matrix, checks in this order: (1, i, j)
    not finite, (2, i, j) D[i, j] != D[j, i], (3, i, j) not > 0 off the diagonal; (0, 0, 0) if none."""
    n = D.shape[0]
    for i in range(n):
        for j in range(n):
            if not np.isfinite(D[i, j]):
                return 1, i, j
    for i in range(n):
        for j in range(n):
            if D[i, j] != D[j, i]:
                return 2, i, j
    for i in range(n):
        for j in range(n):
            if i != j and not D[i, j] > 0.0:
                return 3, i, j
    return 0, 0, 0


@numba.njit(cache=True)
def _pair_values(D):
    """D at every candidate pair in column-major order (:func:`_pairs`): (P,) float64."""
    n = D.shape[0]
    out = np.empty(n * (n - 1) // 2)
    p = 0
    for j in range(1, n):
        for i in range(j):
            out[p] = D[i, j]
            p += 1
    return out


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
    """Initial K (+ epsilon) per pair and clustering c (n,) for a seed network."""
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


def edges_to_adjacency(edges: np.ndarray, n: int) -> np.ndarray:
    """(m, 2) undirected edge list -> (n, n) uint8 symmetric adjacency."""
    edges = np.asarray(edges, dtype=np.int64)
    A = np.zeros((n, n), dtype=np.uint8)
    A[edges[:, 0], edges[:, 1]] = 1
    A[edges[:, 1], edges[:, 0]] = 1
    return A


# ---------------------------------------------------------------------------------------------
# weight layout of the compiled kernel

_LANES = 64  # pairs per block: pair p is lane p % 64 of block p // 64
_GROUP = 8  # blocks per superblock


def _layout(n: int) -> int:
    """The kernel keeps the weights in a (64, nbp) lane-major matrix: pair p in row p % 64 and
    column p // 64 (its block), nbp = the block count padded to a multiple of 8 (the blocks of one
    superblock). A block sum is a column sum, and all of them one pass that LLVM vectorises across
    blocks. Returns nbp."""
    P = n * (n - 1) // 2
    return -(-(-(-P // _LANES)) // _GROUP) * _GROUP


@numba.njit(cache=True, inline="always")
def _loc(p, nbp):
    """Flat position of pair p in the lane-major weight matrix (see :func:`_layout`)."""
    return (p % _LANES) * nbp + p // _LANES


@functools.lru_cache(maxsize=8)
def _row_locations(n: int) -> np.ndarray:
    """(n, n) int32: the position of pair (i, j) in the lane-major weights of :func:`_layout`
    (row p % 64, column p // 64 of the (64, nbp) matrix, flattened), symmetric; 0 on the diagonal,
    which the kernels never write. Read-only, cached per n."""
    iu, ju, _ = _pairs(n)
    nbp = _layout(n)
    p = np.arange(iu.size)
    loc = (p % _LANES) * nbp + p // _LANES
    locs = np.zeros((n, n), dtype=np.int32)
    locs[iu, ju] = loc
    locs[ju, iu] = loc
    locs.flags.writeable = False
    return locs


# ---------------------------------------------------------------------------------------------
# compiled helpers of the growth kernels (inlined into _grow_rows and _grow_pairs)


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
def _power1(K, gamma, kind, buf, pow8, exp8):
    """K^gamma or exp(gamma K) of one value, through the same routine as :func:`vecmath.powers`
    (buf: a scratch buffer of at least 16 values)."""
    buf[0] = K
    _powers(buf, 1, gamma, kind, buf[8:], pow8, exp8)
    return buf[8]


@numba.njit(cache=True, inline="always")
def _sum_group(bs, sb, g):
    """Superblock sum g: its 8 block sums added in order."""
    o = g * _GROUP
    acc = bs[o]
    for b in range(o + 1, o + _GROUP):
        acc += bs[b]
    sb[g] = acc


@numba.njit(cache=True, inline="always")
def _sum_lanes(wv, bs, blk):
    """Block sum blk of the lane-major weights wv (64, nbp): lanes i = q mod 4 in four running
    sums, then (s0 + s1) + (s2 + s3)."""
    s0 = wv[0, blk]
    s1 = wv[1, blk]
    s2 = wv[2, blk]
    s3 = wv[3, blk]
    for i in range(4, _LANES, 4):
        s0 += wv[i, blk]
        s1 += wv[i + 1, blk]
        s2 += wv[i + 2, blk]
        s3 += wv[i + 3, blk]
    bs[blk] = (s0 + s1) + (s2 + s3)


@numba.njit(cache=True, inline="always")
def _sum_all(wv, bs, sb):
    """Every block sum (:func:`_sum_lanes`; LLVM vectorises this loop across blocks), then every
    superblock sum."""
    for b in range(bs.shape[0]):
        _sum_lanes(wv, bs, b)
    for g in range(sb.shape[0]):
        _sum_group(bs, sb, g)


@numba.njit(cache=True, inline="always")
def _target(sums, u):
    """u times the total of sums (added in order): the running sum a draw must exceed; -1.0 when
    the total is not a positive finite number."""
    total = 0.0
    for i in range(sums.shape[0]):
        total += sums[i]
    if not (total > 0.0 and total < np.inf):
        return -1.0
    return u * total


@numba.njit(cache=True, inline="always")
def _first_over(sums, lo, hi, acc, x):
    """The first i in [lo, hi) whose running sum acc + sums[lo] + ... + sums[i] exceeds x, and the
    running sum before it; (-1, the running sum through hi - 1) when none does."""
    for i in range(lo, hi):
        nxt = acc + sums[i]
        if nxt > x:
            return i, acc
        acc = nxt
    return -1, acc


@numba.njit(cache=True, inline="always")
def _last_positive(sums, lo, hi):
    """The last i in [lo, hi) with sums[i] > 0, or -1."""
    for i in range(hi - 1, lo - 1, -1):
        if sums[i] > 0.0:
            return i
    return -1


@numba.njit(cache=True, inline="always")
def _draw(wv, bs, sb, u):
    """The pair drawn by uniform u: the first whose running sum of weights exceeds u * total,
    found superblock, then block, then lane. Where rounding leaves x past a level's sums, the last
    positive entry is taken from there down. Returns -1 when the total weight is not a positive
    finite number."""
    x = _target(sb, u)
    if x < 0.0:
        return -1
    grp, acc = _first_over(sb, 0, sb.shape[0], 0.0, x)
    tail = grp < 0
    if tail:
        grp = _last_positive(sb, 0, sb.shape[0])
    blk = -1
    if not tail:
        blk, acc = _first_over(bs, grp * _GROUP, (grp + 1) * _GROUP, acc, x)
        tail = blk < 0
    if tail:
        blk = _last_positive(bs, grp * _GROUP, (grp + 1) * _GROUP)
    lane = -1
    if not tail:
        for i in range(_LANES):
            v = wv[i, blk]
            if v > 0.0:
                acc += v
                if acc > x:
                    lane = i
                    break
        tail = lane < 0
    if tail:
        for i in range(_LANES - 1, -1, -1):
            if wv[i, blk] > 0.0:
                lane = i
                break
    return blk * _LANES + lane


@numba.njit(cache=True, inline="always")
def _add_edge(A, rows, k, a, b):
    """Set edge (a, b) in the adjacency A, the bit rows and the degrees k."""
    one = np.uint64(1)
    A[a, b] = 1
    A[b, a] = 1
    rows[a, b >> 6] |= one << np.uint64(b & 63)
    rows[b, a >> 6] |= one << np.uint64(a & 63)
    k[a] += 1
    k[b] += 1


@numba.njit(cache=True, inline="always")
def _seed_graph(n, seed_edges, edges):
    """The seed network of a growth kernel: adjacency A (n, n) uint8, bit rows (n, ceil(n / 64))
    uint64 and degrees k (n,) with every seed edge set; the seed edges copied into the first rows of
    the output edges."""
    rows = np.zeros((n, (n + 63) // 64), dtype=np.uint64)
    A = np.zeros((n, n), dtype=np.uint8)
    k = np.zeros(n, dtype=np.int64)
    for s in range(seed_edges.shape[0]):
        _add_edge(A, rows, k, seed_edges[s, 0], seed_edges[s, 1])
        edges[s, 0] = seed_edges[s, 0]
        edges[s, 1] = seed_edges[s, 1]
    return A, rows, k


@numba.njit(cache=True, inline="always")
def _clustering_values(A, rows, k, a, b, c, S):
    """clu-*, after (a, b) is set: common neighbours of a and b gain a triangle; a and b are
    recomputed from scratch. The changed nodes go to S; returns their count."""
    W = rows.shape[1]
    one = np.uint64(1)
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
            for q in range(W):
                bits = rows[e, q]
                while bits != np.uint64(0):
                    v = q * 64 + _graphs._ctz(bits)
                    bits &= bits - one
                    for r2 in range(W):
                        t2 += _graphs._popcount(rows[e, r2] & rows[v, r2])
            c[e] = t2 / (k[e] * k[e] - k[e])
        S[ns] = e
        ns += 1
    return ns


@numba.njit(cache=True, inline="always")
def _clustering_groups(c, order, uval, gid):
    """Nodes grouped by equal clustering: order (n,) is kept sorted by c (insertion sort, as
    few values change per edge); uval gets the distinct values, gid each node's group. Returns the
    group count."""
    n = c.shape[0]
    for q in range(1, n):
        j = order[q]
        v = c[j]
        r = q - 1
        while r >= 0 and c[order[r]] > v:
            order[r + 1] = order[r]
            r -= 1
        order[r + 1] = j
    ng = 0
    for q in range(n):
        j = order[q]
        if q == 0 or c[j] != uval[ng - 1]:
            uval[ng] = c[j]
            ng += 1
        gid[j] = ng - 1
    return ng


@numba.njit(cache=True, inline="always")
def _scatter_row(w1, locs, s, row):
    """w1 at the lane-major positions of pairs (s, j), j != s, from row (n,) (see :func:`_row_locations`).
    Rows are computed into a contiguous buffer first and scattered after: much faster than
    computing each weight at its scattered position."""
    for j in range(s):
        w1[locs[s, j]] = row[j]
    for j in range(s + 1, locs.shape[0]):
        w1[locs[s, j]] = row[j]


@numba.njit(cache=True, inline="always")
def _clustering_update(
    A, c, S, ns, ng, uval, gid, gv, Kp, pidx, gamma, kind, eps, code, keep, locs, fdr, w1, Kb, pb, pow8, exp8
):
    """clu-*: the rows of the changed nodes S[:ns] (lane-major weights w1 at locs, distance factors
    fdr by row), each computed into pb and scattered. min, max: K is c_s + eps or c_j + eps, so gv
    holds one power per node, updated for the changed nodes only. avg, diff, prod with the vector
    routines of :mod:`.vecmath`: one power per (row, node); with the scalar ones (ng > 0): one per
    (row, group of equal c), gv per group. Kb, pb: scratch buffers of n + 8."""
    n = c.shape[0]
    if code == 1 or code == 2:
        for si in range(ns):
            Kb[si] = c[S[si]] + eps
        _powers(Kb, ns, gamma, kind, pb, pow8, exp8)
        for si in range(ns):
            gv[S[si]] = pb[si]
    for si in range(ns):
        s = S[si]
        cs = c[s]
        if code == 1 or code == 2:
            gs = gv[s]
            for j in range(n):
                f = gs if (cs <= c[j] if code == 1 else cs >= c[j]) else gv[j]
                pb[j] = 0.0 if A[s, j] != 0 else fdr[s, j] * f
        elif ng == 0:
            for j in range(n):
                Kb[j] = _fcomb(cs, c[j], code) + eps
            _powers(Kb, n, gamma, kind, pb, pow8, exp8)
            for j in range(n):
                pb[j] = 0.0 if A[s, j] != 0 else fdr[s, j] * pb[j]
        else:
            for g in range(ng):
                Kb[g] = _fcomb(cs, uval[g], code) + eps
            _powers(Kb, ng, gamma, kind, gv, pow8, exp8)
            for j in range(n):
                pb[j] = 0.0 if A[s, j] != 0 else fdr[s, j] * gv[gid[j]]
        _scatter_row(w1, locs, s, pb)
        if keep:
            for j in range(n):
                if j != s:
                    Kp[pidx[s, j]] = _fcomb(cs, c[j], code) + eps


@numba.njit(cache=True, inline="always")
def _degree_update(
    A, k, a, b, Kp, pidx, gamma, kind, eps, code, keep, table, locs, fdr, w1, row, buf, pow8, exp8
):
    """deg-*, after (a, b) is set: rows a and b, each computed into row (n,) and scattered; K^gamma
    memoised by (k_i, k_j) in table."""
    n = k.shape[0]
    for e in (a, b):
        ke = k[e]
        for j in range(n):
            fk = table[ke, k[j]]
            if fk != fk:  # not yet computed in this run
                fk = _power1(_fcomb(float(ke), float(k[j]), code) + eps, gamma, kind, buf, pow8, exp8)
                table[ke, k[j]] = fk
            row[j] = fk
        for j in range(n):
            row[j] = 0.0 if A[e, j] != 0 else fdr[e, j] * row[j]
        _scatter_row(w1, locs, e, row)
        if keep:
            for j in range(n):
                if j != e:
                    Kp[pidx[e, j]] = _fcomb(float(ke), float(k[j]), code) + eps


@numba.njit(cache=True, inline="always")
def _clustering_state(c, gamma, kind, eps, pow8, exp8):
    """The clu-* rules' state besides c: S (n + 2,) changed nodes; order (n,) the nodes sorted by
    clustering, uval (n,) its distinct values and gid (n,) each node's group (scalar path); gv
    (n + 8,) the power of c_j + eps per node (clu-min, clu-max; per group on the scalar path of
    clu-avg/diff/prod); Kb, pb (n + 8,) scratch of :func:`vecmath.powers`."""
    n = c.shape[0]
    S = np.empty(n + 2, dtype=np.int64)
    order = np.argsort(c)
    uval = np.empty(n)
    gid = np.empty(n, dtype=np.int64)
    gv = np.empty(n + _vecmath.WIDTH)
    Kb = np.empty(n + _vecmath.WIDTH)
    pb = np.empty(n + _vecmath.WIDTH)
    for j in range(n):
        Kb[j] = c[j] + eps
    _powers(Kb, n, gamma, kind, gv, pow8, exp8)
    return S, order, uval, gid, gv, Kb, pb


@numba.njit(cache=True, inline="always")
def _initial_weights(n, rule, fd, Kp, gamma, kind, seed_edges, iu, ju, pidx, nbp, buf, pow8, exp8):
    """Weights w1 (64 nbp,) in the lane-major layout (:func:`_loc`): Fd Fk per pair, 0 on the seed
    edges and the padding; and the distance factors fdr (n, n) by row, for the row updates."""
    P = fd.shape[0]
    w1 = np.zeros(_LANES * nbp)
    fdr = np.zeros((n, n))
    lastK = np.nan  # powers of repeated K values computed once (an empty seed has K = eps everywhere)
    lastF = np.nan
    for p in range(P):
        fdr[iu[p], ju[p]] = fd[p]
        fdr[ju[p], iu[p]] = fd[p]
        if rule != 0 and Kp[p] != lastK:
            lastK = Kp[p]
            lastF = _power1(lastK, gamma, kind, buf, pow8, exp8)
        w1[_loc(p, nbp)] = fd[p] if rule == 0 else fd[p] * lastF
    for s in range(seed_edges.shape[0]):
        w1[_loc(pidx[seed_edges[s, 0], seed_edges[s, 1]], nbp)] = 0.0
    return w1, fdr


@numba.njit(cache=True, nogil=True)
def _grow_rows(
    n,
    rule,
    fd,
    Kp,
    c,
    gamma,
    kind,
    eps,
    uniforms,
    seed_edges,
    iu,
    ju,
    pidx,
    nbp,
    locs,
    edges,
    trace_K,
    trace_w,
    pow8,
    exp8,
):
    """Grow a network by ``uniforms.shape[0]`` edges on top of ``seed_edges``.

    fd: (P,) distance factor; Kp: (P,) initial K + eps per pair (overwritten; kept up to date only
    for 'neighbors' or when tracing); c: (n,) initial clustering (clu-* rules; overwritten). iu, ju,
    pidx: :func:`_pairs`; nbp: :func:`_layout`. edges: (m, 2) int64 output, seed first.
    trace_K, trace_w: (steps, P) or (0, P): when non-empty, K and w after every step. Returns 0, or
    -(t + 1) when the total weight at step t is not a positive finite number. pow8, exp8: the
    addresses of :mod:`.vecmath` (0 = libm's scalar routines). For the clu-* and deg-* rules, which
    rewrite whole rows after every edge: lane-major weights, all block sums in one vectorised pass.
    Releases the GIL.
    """
    P = fd.shape[0]
    A, rows, k = _seed_graph(n, seed_edges, edges)
    ms = seed_edges.shape[0]
    buf = np.empty(16)
    w1, fdr = _initial_weights(n, rule, fd, Kp, gamma, kind, seed_edges, iu, ju, pidx, nbp, buf, pow8, exp8)
    wv = w1.reshape((_LANES, nbp))
    bs = np.zeros(nbp)
    sb = np.zeros(nbp // _GROUP)
    _sum_all(wv, bs, sb)
    S, order, uval, gid, gv, Kb, pb = _clustering_state(c, gamma, kind, eps, pow8, exp8)
    table = np.full((n, n) if rule >= 8 else (1, 1), np.nan)  # deg-*: K^gamma memo by (k_i, k_j)
    ntrace = trace_K.shape[0]
    keep = ntrace > 0
    code = (rule - 3) % 5
    vector = (pow8 if kind == 0 else exp8) != 0  # clu-avg/diff/prod: powers per node, not per group
    for t in range(uniforms.shape[0]):
        r = _draw(wv, bs, sb, uniforms[t])
        if r < 0:
            return -(t + 1)
        a = iu[r]
        b = ju[r]
        edges[ms + t, 0] = a
        edges[ms + t, 1] = b
        _add_edge(A, rows, k, a, b)
        w1[_loc(r, nbp)] = 0.0
        if rule <= 7:
            ns = _clustering_values(A, rows, k, a, b, c, S)
            ng = 0 if code == 1 or code == 2 or vector else _clustering_groups(c, order, uval, gid)
            _clustering_update(
                A,
                c,
                S,
                ns,
                ng,
                uval,
                gid,
                gv,
                Kp,
                pidx,
                gamma,
                kind,
                eps,
                code,
                keep,
                locs,
                fdr,
                w1,
                Kb,
                pb,
                pow8,
                exp8,
            )
        else:
            _degree_update(
                A, k, a, b, Kp, pidx, gamma, kind, eps, code, keep, table, locs, fdr, w1, pb, buf, pow8, exp8
            )
        _sum_all(wv, bs, sb)
        if keep and t < ntrace:
            for p in range(P):
                trace_K[t, p] = Kp[p]
                trace_w[t, p] = w1[_loc(p, nbp)]
    return 0


# ---------------------------------------------------------------------------------------------
# the kernel of sptl, neighbors and matching (pair order)


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


@numba.njit(cache=True, inline="always")
def _draw_pairs(w, bs, u):
    """The pair drawn by uniform u: block by block sums, then pair by pair inside the block.
    Returns -1 when the total weight is not a positive finite number."""
    P = w.shape[0]
    B = _BLOCK
    x = _target(bs, u)
    if x < 0.0:
        return -1
    blk, acc = _first_over(bs, 0, bs.shape[0], 0.0, x)
    if blk < 0:  # rounding: x at the very top; take the last block with weight
        blk = _last_positive(bs, 0, bs.shape[0])
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
    return r


@numba.njit(cache=True, inline="always")
def _neighbors_changes(A, a, b, Kp, pidx, gamma, kind, chg, fkv, Kb, pow8, exp8):
    """neighbors, before (a, b) is set: a gains common neighbour b with every y in N(b), and vice
    versa. Appends the changed pairs and their new Fk to chg, fkv (powers by :func:`vecmath.powers`,
    Kb scratch); returns their count."""
    n = A.shape[0]
    nc = 0
    for e, f in ((a, b), (b, a)):
        for y in range(n):
            if A[f, y] != 0:
                p = pidx[e, y]
                Kp[p] += 1.0
                chg[nc] = p
                Kb[nc] = Kp[p]
                nc += 1
    _powers(Kb, nc, gamma, kind, fkv, pow8, exp8)
    return nc


@numba.njit(cache=True, inline="always")
def _matching_changes(A, rows, k, a, b, Kp, pidx, gamma, kind, eps, table, hop, chg, fkv, buf, pow8, exp8):
    """matching, after (a, b) is set: rows a and b where a common neighbour exists (nodes two hops
    away). K^gamma depends only on (common, denominator): memoised in table."""
    W = rows.shape[1]
    one = np.uint64(1)
    nc = 0
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
                if fk != fk:
                    fk = _power1(Kp[p], gamma, kind, buf, pow8, exp8)
                    table[cm, den] = fk
                chg[nc] = p
                fkv[nc] = fk
                nc += 1
    return nc


@numba.njit(cache=True, inline="always")
def _apply_changes(w, bs, r, chg, fkv, nc, A, iu, ju, fd, dirty, dlist):
    """Weight 0 at the new edge r, new weights at the changed pairs (0 on edges, by select), then
    re-sum every block that changed."""
    P = w.shape[0]
    B = _BLOCK
    w[r] = 0.0
    dirty[r // B] = True
    dlist[0] = r // B
    nd = 1
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


@numba.njit(cache=True, nogil=True)
def _grow_pairs(
    n,
    rule,
    fd,
    Kp,
    c,
    gamma,
    kind,
    eps,
    uniforms,
    seed_edges,
    iu,
    ju,
    pidx,
    nbp,
    locs,
    edges,
    trace_K,
    trace_w,
    pow8,
    exp8,
):
    """:func:`_grow_rows` for sptl, neighbors and matching, which change few pairs per edge: weights
    in pair order, sums over blocks of 64 consecutive pairs, only the changed blocks re-summed
    (nbp and locs are unused). Releases the GIL.

    fd: (P,) distance factor; Kp: (P,) initial K + eps per pair (overwritten); c: (n,) initial
    clustering (clu-* rules; overwritten). edges: (m, 2) int64 output, seed first. trace_K, trace_w:
    (steps, P) or (0, P): when non-empty, K and w after every step. Returns 0, or -(t + 1) when the
    total weight at step t is not a positive finite number.
    """
    P = fd.shape[0]
    B = _BLOCK
    nb = (P + B - 1) // B
    A, rows, k = _seed_graph(n, seed_edges, edges)
    ms = seed_edges.shape[0]
    w = np.empty(P)
    Kb = np.empty(P + _vecmath.WIDTH)  # scratch of vecmath.powers; the initial Fk of every pair
    fk0 = np.empty(P + _vecmath.WIDTH)
    if rule != 0:
        Kb[:P] = Kp
        _powers(Kb, P, gamma, kind, fk0, pow8, exp8)
    buf = np.empty(16)
    for p in range(P):
        if A[iu[p], ju[p]] != 0:
            w[p] = 0.0
        elif rule == 0:
            w[p] = fd[p]
        else:
            w[p] = fd[p] * fk0[p]
    bs = np.zeros(nb)
    for b in range(nb):
        bs[b] = _block_sum(w, b * B, min(P, (b + 1) * B))
    dirty = np.zeros(nb, dtype=np.bool_)
    dlist = np.empty(nb, dtype=np.int64)
    hop = np.zeros(rows.shape[1], dtype=np.uint64)
    chg = np.empty((n + 2) * n, dtype=np.int64)  # pairs changed in this step, and their new Fk
    fkv = np.empty((n + 2) * n + _vecmath.WIDTH)
    table = np.full((n + 1, 2 * n + 1) if rule == 2 else (1, 1), np.nan)  # matching: K^gamma memo
    ntrace = trace_K.shape[0]
    for t in range(uniforms.shape[0]):
        r = _draw_pairs(w, bs, uniforms[t])
        if r < 0:
            return -(t + 1)
        a = iu[r]
        b = ju[r]
        edges[ms + t, 0] = a
        edges[ms + t, 1] = b
        nc = 0
        if rule == 1:
            nc = _neighbors_changes(A, a, b, Kp, pidx, gamma, kind, chg, fkv, Kb, pow8, exp8)
        _add_edge(A, rows, k, a, b)
        if rule == 2:
            nc = _matching_changes(
                A, rows, k, a, b, Kp, pidx, gamma, kind, eps, table, hop, chg, fkv, buf, pow8, exp8
            )
        _apply_changes(w, bs, r, chg, fkv, nc, A, iu, ju, fd, dirty, dlist)
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
    nbp = _layout(n)
    fd = _distance_factor(_pair_values(D), eta, kd)
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
        nbp=nbp,
        locs=_row_locations(n),
        edges=np.zeros((m, 2), dtype=np.int64),
        pow8=_vecmath.POW8,
        exp8=_vecmath.EXP8,
    )


def _run(args: dict, trace_K: np.ndarray, trace_w: np.ndarray, context: str) -> np.ndarray:
    grow = _grow_rows if args["rule"] >= 3 else _grow_pairs
    status = grow(
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
        args["nbp"],
        args["locs"],
        args["edges"],
        trace_K,
        trace_w,
        args["pow8"],
        args["exp8"],
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
    """Grow one network with a GNM rule, BCT ``generative_model`` semantics (see the package docstring).

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
