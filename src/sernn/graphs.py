"""Binary and weighted graph measures, as the Brain Connectivity Toolbox (BCT) defines them.

Binary measures take ``A: (n, n)`` 0/1 symmetric adjacency without self-loops (any numeric or
bool dtype). Weighted measures take ``W: (n, n)`` real weights; they use ``|W|``, treat the matrix
as directed (row = source, column = target) and ignore the diagonal.

Conventions (ours, tested in ``tests/test_graphs.py``):

- Distances between nodes in different connected components are ``inf`` (as BCT ``distance_bin``).
- ``path_length`` is the mean over the *finite* off-diagonal distances, i.e. BCT
  ``charpath(D, include_diagonal=False, include_infinite=False)``; it is ``nan`` when no pair of
  distinct nodes is connected. A disconnected graph therefore has a finite path length: read it
  together with ``n_components``.
- ``global_efficiency`` is BCT ``efficiency_bin``: mean over all ``n(n-1)`` ordered pairs of
  ``1/d``, with ``1/inf = 0``, so disconnection lowers it naturally.

The fast path (:func:`binary_summary`, and the null batches in :mod:`sernn.nulls`) stores each
node's neighbourhood as a bitset of ``ceil(n/64)`` 64-bit words and runs breadth-first search
from all sources at once (numba, compiled once and cached on disk).
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = [
    "validate_adjacency",
    "validate_square",
    "density",
    "degrees",
    "clustering_coefficients",
    "mean_clustering",
    "distance_matrix",
    "path_length",
    "global_efficiency",
    "n_components",
    "binary_summary",
    "matching_index",
    "mean_matching_index",
    "total_weight",
    "weighted_edge_length",
    "weight_distance_corr",
    "weighted_distance_matrix",
    "weighted_efficiency",
    "betweenness_bin",
]


# ---------------------------------------------------------------------------------------------
# validation


def validate_square(M: np.ndarray, name: str = "matrix") -> np.ndarray:
    """Return ``M`` as a float64 (n, n) array; raise ValueError naming the bad shape or value."""
    M = np.asarray(M)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square (n, n) matrix, got shape {M.shape}")
    if M.shape[0] == 0:
        raise ValueError(f"{name} must have at least one node, got shape {M.shape}")
    M = M.astype(np.float64, copy=False)
    bad = ~np.isfinite(M)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{name} must be finite; {name}[{i}, {j}]={M[i, j]}")
    return M


def validate_adjacency(A: np.ndarray, name: str = "adjacency") -> np.ndarray:
    """Check a binary undirected graph and return it as a uint8 (n, n) array.

    A: (n, n) with entries in {0, 1}, symmetric, zero diagonal. Raises ValueError naming the first
    offending entry.
    """
    A = validate_square(A, name)
    notbin = (A != 0) & (A != 1)
    if notbin.any():
        i, j = np.argwhere(notbin)[0]
        raise ValueError(f"{name} must be 0/1; {name}[{i}, {j}]={A[i, j]}")
    diag = np.flatnonzero(np.diag(A))
    if diag.size:
        i = diag[0]
        raise ValueError(f"{name} must have no self-loops; {name}[{i}, {i}]={A[i, i]}")
    asym = A != A.T
    if asym.any():
        i, j = np.argwhere(asym)[0]
        raise ValueError(
            f"{name} must be symmetric; {name}[{i}, {j}]={A[i, j]} but {name}[{j}, {i}]={A[j, i]}"
        )
    return A.astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# bit tricks for numba


@intrinsic
def _popcount(typingctx, x):
    """Number of set bits of a uint64 (LLVM ctpop)."""
    if x != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.int64(types.uint64), codegen


@intrinsic
def _ctz(typingctx, x):
    """Index of the lowest set bit of a non-zero uint64 (LLVM cttz)."""
    if x != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return types.int64(types.uint64), codegen


_ONE = np.uint64(1)
_ZERO = np.uint64(0)


@numba.njit(cache=True)
def _build_graph(n, ei, ej, indptr, nbr, rows):
    """Fill CSR neighbour lists and neighbour bitsets from an undirected edge list.

    ei, ej: (m,) endpoints of each edge; indptr: (n+1,) int64; nbr: (2m,) int64;
    rows: (n, ceil(n/64)) uint64, overwritten.
    """
    m = ei.shape[0]
    rows[:, :] = _ZERO
    indptr[:] = 0
    for k in range(m):
        indptr[ei[k] + 1] += 1
        indptr[ej[k] + 1] += 1
    for u in range(n):
        indptr[u + 1] += indptr[u]
    fill = indptr[:n].copy()
    for k in range(m):
        a = ei[k]
        b = ej[k]
        nbr[fill[a]] = b
        fill[a] += 1
        nbr[fill[b]] = a
        fill[b] += 1
        rows[a, b >> 6] |= _ONE << np.uint64(b & 63)
        rows[b, a >> 6] |= _ONE << np.uint64(a & 63)


@numba.njit(cache=True)
def _stats_kernel(n, indptr, nbr, rows, X, Y):
    """Mean clustering, path length, efficiency and component count of one graph.

    Returns (clustering, path_length, efficiency, n_components) with the module's conventions.
    rows: (n, W) uint64 neighbour bitsets; X, Y: (n, W) uint64 scratch. Breadth-first search
    from all sources at once: X[v] is the set of sources within distance d of v, and one level is
    X'[v] = X[v] | OR_{u in N(v)} X[u]; the pairs first reached at level d are counted by popcount.
    """
    W = rows.shape[1]
    # clustering_coef_bu: ordered pairs of connected neighbours / (k(k-1))
    csum = 0.0
    for u in range(n):
        k = indptr[u + 1] - indptr[u]
        if k >= 2:
            t = 0
            for p in range(indptr[u], indptr[u + 1]):
                v = nbr[p]
                for w in range(W):
                    t += _popcount(rows[u, w] & rows[v, w])
            csum += t / (k * k - k)
    clustering = csum / n

    # level 1 directly: X[v] = {v} | N(v)
    npairs = indptr[n]
    for v in range(n):
        for w in range(W):
            X[v, w] = rows[v, w]
        X[v, v >> 6] |= _ONE << np.uint64(v & 63)
    dsum = npairs
    esum = float(npairs)
    total = n * (n - 1)
    d = 1
    while 0 < npairs < total:
        d += 1
        new = 0
        for v in range(n):
            for w in range(W):
                Y[v, w] = X[v, w]
            for p in range(indptr[v], indptr[v + 1]):
                u = nbr[p]
                for w in range(W):
                    Y[v, w] |= X[u, w]
            for w in range(W):
                new += _popcount(Y[v, w] & ~X[v, w])
        if new == 0:
            break
        dsum += d * new
        npairs += new
        esum += new / d
        for v in range(n):
            for w in range(W):
                X[v, w] = Y[v, w]
    # components: v is the smallest node of its component iff no lower source reaches it
    ncomp = 0
    for v in range(n):
        lowest = -1
        for w in range(W):
            if X[v, w] != _ZERO:
                lowest = w * 64 + _ctz(X[v, w])
                break
        if lowest == v:
            ncomp += 1
    path = dsum / npairs if npairs > 0 else np.nan
    eff = esum / total if n > 1 else 0.0
    return clustering, path, eff, ncomp


@numba.njit(cache=True)
def _distance_kernel(n, indptr, nbr, rows):
    """All-pairs hop distances (n, n) float64, inf when unreachable, 0 on the diagonal."""
    W = rows.shape[1]
    D = np.full((n, n), np.inf)
    X = np.zeros((n, W), dtype=np.uint64)
    Y = np.zeros((n, W), dtype=np.uint64)
    for v in range(n):
        X[v, v >> 6] = _ONE << np.uint64(v & 63)
        D[v, v] = 0.0
    d = 0
    while True:
        d += 1
        new = 0
        for v in range(n):
            for w in range(W):
                acc = X[v, w]
                for p in range(indptr[v], indptr[v + 1]):
                    acc |= X[nbr[p], w]
                Y[v, w] = acc
                fresh = acc & ~X[v, w]
                while fresh != _ZERO:
                    s = w * 64 + _ctz(fresh)
                    D[s, v] = d
                    fresh &= fresh - _ONE
                    new += 1
        if new == 0:
            break
        X, Y = Y, X
    return D


def _graph_arrays(A: np.ndarray):
    """CSR + bitset representation of a validated adjacency (uint8)."""
    n = A.shape[0]
    ei, ej = np.nonzero(np.triu(A, 1))
    ei = ei.astype(np.int64)
    ej = ej.astype(np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    nbr = np.zeros(2 * ei.size, dtype=np.int64)
    rows = np.zeros((n, (n + 63) // 64), dtype=np.uint64)
    _build_graph(n, ei, ej, indptr, nbr, rows)
    return indptr, nbr, rows


# ---------------------------------------------------------------------------------------------
# binary measures


def density(A: np.ndarray) -> float:
    """Edge density of an undirected graph: m / (n(n-1)/2). A: (n, n) 0/1 symmetric. 0 if n < 2."""
    A = validate_adjacency(A)
    n = A.shape[0]
    if n < 2:
        return 0.0
    return float(np.triu(A, 1).sum() / (n * (n - 1) / 2))


def degrees(A: np.ndarray) -> np.ndarray:
    """Node degrees, (n,) int64. A: (n, n) 0/1 symmetric, no self-loops."""
    return validate_adjacency(A).sum(axis=1, dtype=np.int64)


def clustering_coefficients(A: np.ndarray) -> np.ndarray:
    """Per-node clustering coefficient (n,), as BCT ``clustering_coef_bu``.

    C_u = (number of edges among the neighbours of u) / (k_u (k_u - 1) / 2); 0 when k_u < 2.
    A: (n, n) 0/1 symmetric, no self-loops.
    """
    A = validate_adjacency(A).astype(np.float64)
    k = A.sum(axis=1)
    closed = ((A @ A) * A).sum(axis=1)  # ordered pairs of connected neighbours, exact integers
    denom = k * k - k
    C = np.zeros_like(k)
    ok = k >= 2
    C[ok] = closed[ok] / denom[ok]
    return C


def mean_clustering(A: np.ndarray) -> float:
    """Mean of :func:`clustering_coefficients` over all n nodes (isolated nodes count as 0)."""
    return float(np.mean(clustering_coefficients(A)))


def distance_matrix(A: np.ndarray) -> np.ndarray:
    """Shortest-path hop counts (n, n) float64, as BCT ``distance_bin``.

    A: (n, n) 0/1 symmetric, no self-loops. Unreachable pairs are ``inf``; the diagonal is 0.
    """
    A = validate_adjacency(A)
    indptr, nbr, rows = _graph_arrays(A)
    return _distance_kernel(A.shape[0], indptr, nbr, rows)


def path_length(D: np.ndarray) -> float:
    """Characteristic path length from a distance matrix D: (n, n) (``inf`` = unreachable).

    Mean over finite off-diagonal entries: BCT ``charpath(D, include_diagonal=False,
    include_infinite=False)[0]``. ``nan`` when no off-diagonal entry is finite (e.g. no edges).
    """
    D = np.asarray(D, dtype=np.float64)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"distance matrix must be square (n, n), got shape {D.shape}")
    off = ~np.eye(D.shape[0], dtype=bool)
    vals = D[off & np.isfinite(D)]
    return float(vals.mean()) if vals.size else float("nan")


def global_efficiency(A: np.ndarray) -> float:
    """Global efficiency, as BCT ``efficiency_bin(A)``: sum_{i != j} 1/d_ij / (n(n-1)).

    A: (n, n) 0/1 symmetric, no self-loops. Unreachable pairs contribute 0; n = 1 gives 0.
    """
    D = distance_matrix(A)
    n = D.shape[0]
    if n < 2:
        return 0.0
    with np.errstate(divide="ignore"):
        inv = 1.0 / D
    np.fill_diagonal(inv, 0.0)
    return float(inv.sum() / (n * n - n))


def n_components(A: np.ndarray) -> int:
    """Number of connected components (isolated nodes count as one each)."""
    return int(binary_summary(A)["n_components"])


def binary_summary(A: np.ndarray) -> dict[str, float]:
    """clustering, path_length, efficiency, n_components of one graph, in one compiled pass.

    A: (n, n) 0/1 symmetric, no self-loops. Same definitions as :func:`mean_clustering`,
    :func:`path_length` (finite pairs only), :func:`global_efficiency`, :func:`n_components`; this
    is the code path the null graphs use, so network and nulls are measured identically.
    """
    A = validate_adjacency(A)
    n = A.shape[0]
    indptr, nbr, rows = _graph_arrays(A)
    X = np.empty_like(rows)
    Y = np.empty_like(rows)
    c, length, e, k = _stats_kernel(n, indptr, nbr, rows, X, Y)
    return {
        "clustering": float(c),
        "path_length": float(length),
        "efficiency": float(e),
        "n_components": float(k),
    }


def matching_index(A: np.ndarray) -> np.ndarray:
    """Matching index (n, n), as BCT ``matching_ind`` (all connections) on an undirected graph.

    M_ij = 2 |N(i) & N(j)| / (k_i + k_j - 2 A_ij) for i != j (the i-j link itself excluded),
    0 when the denominator is 0; the diagonal is 0. A: (n, n) 0/1 symmetric, no self-loops.
    """
    A = validate_adjacency(A).astype(np.float64)
    k = A.sum(axis=1)
    common = A @ A
    denom = k[:, None] + k[None, :] - 2.0 * A
    M = np.zeros_like(common)
    ok = denom > 0
    M[ok] = 2.0 * common[ok] / denom[ok]
    np.fill_diagonal(M, 0.0)
    return M


def mean_matching_index(A: np.ndarray) -> float:
    """Mean of :func:`matching_index` over the n(n-1) off-diagonal pairs (0 if n < 2)."""
    M = matching_index(A)
    n = M.shape[0]
    return float(M.sum() / (n * n - n)) if n > 1 else 0.0


# ---------------------------------------------------------------------------------------------
# weighted measures (on |W|, directed, diagonal ignored)


def _abs_offdiag(W: np.ndarray, name: str = "weights") -> np.ndarray:
    W = np.abs(validate_square(W, name))
    W = W.copy()
    np.fill_diagonal(W, 0.0)
    return W


def total_weight(W: np.ndarray) -> float:
    """Total absolute weight sum_{i != j} |W_ij|. W: (n, n) real; the diagonal is ignored."""
    return float(_abs_offdiag(W).sum())


def _check_distance(D: np.ndarray, n: int) -> np.ndarray:
    D = validate_square(D, "distance")
    if D.shape[0] != n:
        raise ValueError(f"distance has shape {D.shape}, weights need ({n}, {n})")
    return D


def weighted_edge_length(W: np.ndarray, D: np.ndarray) -> float:
    """Total weighted wiring length sum_{i != j} |W_ij| D_ij (units of D times units of W).

    W: (n, n) real weights; D: (n, n) Euclidean distances between units.
    """
    Wa = _abs_offdiag(W)
    D = _check_distance(D, Wa.shape[0])
    return float((Wa * D).sum())


def weight_distance_corr(W: np.ndarray, D: np.ndarray) -> float:
    """Pearson correlation of |W_ij| and D_ij over off-diagonal entries with W_ij != 0.

    W: (n, n) real weights (directed: every ordered pair counts once); D: (n, n) distances.
    ``nan`` with fewer than two such entries or when either side has zero variance.
    """
    Wa = _abs_offdiag(W)
    D = _check_distance(D, Wa.shape[0])
    mask = Wa > 0
    x = Wa[mask]
    y = D[mask]
    if x.size < 2:
        return float("nan")
    x = x - x.mean()
    y = y - y.mean()
    sx = np.sqrt((x * x).sum())
    sy = np.sqrt((y * y).sum())
    if sx == 0 or sy == 0:
        return float("nan")
    return float((x * y).sum() / (sx * sy))


@numba.njit(cache=True)
def _floyd_warshall(L):
    """All-pairs shortest path lengths for a non-negative length matrix L (inf = no edge)."""
    n = L.shape[0]
    D = L.copy()
    for i in range(n):
        D[i, i] = 0.0
    for k in range(n):
        for i in range(n):
            dik = D[i, k]
            if dik == np.inf:
                continue
            for j in range(n):
                c = dik + D[k, j]
                if c < D[i, j]:
                    D[i, j] = c
    return D


def weighted_distance_matrix(W: np.ndarray) -> np.ndarray:
    """Shortest weighted path lengths (n, n) with connection length 1/|W_ij| (BCT convention).

    W: (n, n) real weights, directed (row = source): entry [i, j] is the shortest i -> j path.
    Zero weights are absent edges; unreachable pairs are ``inf``; the diagonal is 0.
    """
    Wa = _abs_offdiag(W)
    with np.errstate(divide="ignore"):
        L = np.where(Wa > 0, 1.0 / Wa, np.inf)
    return _floyd_warshall(L)


def weighted_efficiency(W: np.ndarray) -> float:
    """Weighted global efficiency, as BCT ``efficiency_wei(|W|)`` (global).

    W: (n, n) real weights; uses |W| with the diagonal ignored, **directed** (paths follow
    row -> column; the global mean is the same for W and W.T). Connection length is 1/|W_ij|;
    E = sum_{i != j} 1/d_ij / (n(n-1)), unreachable pairs contribute 0. Not normalised: BCT
    expects weights in [0, 1], and E scales linearly with the weights (E(cW) = c E(W)).
    """
    Dw = weighted_distance_matrix(W)
    n = Dw.shape[0]
    if n < 2:
        return 0.0
    with np.errstate(divide="ignore"):
        inv = 1.0 / Dw
    np.fill_diagonal(inv, 0.0)
    return float(inv.sum() / (n * n - n))


# ---------------------------------------------------------------------------------------------
# betweenness (used by sernn.generative's energy)


@numba.njit(cache=True)
def _shortest_path_dag(s, rows, sigma, order, lstart, preds, succ, astart, level, visited, nxt):
    """Breadth-first search from s on bitsets, recording the shortest-path DAG.

    Fills sigma[u] (number of shortest s-u paths, float64, exact integers below 2^53), order (the
    reached nodes by depth, ascending index within a depth; depth e is order[lstart[e]:lstart[e+1]])
    and the DAG arcs (preds[a] -> succ[a]), those into depth e at a in [astart[e], astart[e+1]),
    listed by successor in order, predecessors ascending. The predecessors of u are
    N(u) & (previous depth), so only DAG arcs are visited. level, visited, nxt: (W,) uint64 scratch.
    Returns (depth of the deepest level, number of reached nodes).
    """
    W = rows.shape[1]
    zero = np.uint64(0)
    one = np.uint64(1)
    for q in range(W):
        level[q] = zero
    level[s >> 6] = one << np.uint64(s & 63)
    for q in range(W):
        visited[q] = level[q]
    sigma[s] = 1.0
    order[0] = s
    lstart[0] = 0
    lstart[1] = 1
    astart[1] = 0
    d = 0
    cnt = 1
    na = 0
    while True:
        for q in range(W):
            nxt[q] = zero
        for q in range(W):  # next level = neighbours of this level, not yet visited
            bits = level[q]
            while bits != zero:
                v = q * 64 + _ctz(bits)
                bits &= bits - one
                for r in range(W):
                    nxt[r] |= rows[v, r]
        empty = True
        for q in range(W):
            nxt[q] &= ~visited[q]
            visited[q] |= nxt[q]
            if nxt[q] != zero:
                empty = False
        if empty:
            return d, cnt
        for q in range(W):  # path counts: sum over the predecessors in this level
            bits = nxt[q]
            while bits != zero:
                u = q * 64 + _ctz(bits)
                bits &= bits - one
                acc = 0.0
                if W == 2:  # both words in one loop (selects, no branch): one loop exit per node
                    p0 = rows[u, 0] & level[0]
                    p1 = rows[u, 1] & level[1]
                    while (p0 | p1) != zero:
                        lo = p0 != zero
                        x = p0 if lo else p1
                        v = _ctz(x) + (0 if lo else 64)
                        x &= x - one
                        p0 = x if lo else p0
                        p1 = p1 if lo else x
                        acc += sigma[v]
                        preds[na] = v
                        succ[na] = u
                        na += 1
                else:
                    for r in range(W):
                        pb = rows[u, r] & level[r]
                        while pb != zero:
                            v = r * 64 + _ctz(pb)
                            pb &= pb - one
                            acc += sigma[v]
                            preds[na] = v
                            succ[na] = u
                            na += 1
                sigma[u] = acc
                order[cnt] = u
                cnt += 1
        d += 1
        lstart[d + 1] = cnt
        astart[d + 1] = na
        for q in range(W):
            level[q] = nxt[q]


@numba.njit(cache=True)
def _betweenness_kernel(n, rows):
    """Brandes betweenness summed over all ordered (s, t) pairs, unnormalised: BCT
    ``betweenness_bin`` on an undirected graph (2 x networkx ``normalized=False``).

    rows: (n, ceil(n/64)) uint64 neighbour bitsets. Per source, :func:`_shortest_path_dag`, then the
    dependencies depth by depth, farthest first: the coefficients (1 + delta[u]) / sigma[u] of one
    depth, then one flat pass over the DAG arcs into it in reverse, delta[v] += sigma[v] coef[u]
    (no branch per node; each delta[v] gets its terms in the same order as a node-by-node
    replay, so the sums are the same bits). Returns (n,) float64.
    """
    W = rows.shape[1]
    bc = np.zeros(n)
    sigma = np.zeros(n)
    delta = np.zeros(n)
    coef = np.zeros(n)
    order = np.empty(n, dtype=np.int64)
    lstart = np.empty(n + 1, dtype=np.int64)
    astart = np.empty(n + 1, dtype=np.int64)
    m2 = 0  # 2 x edges; an edge is a DAG arc in one direction at most
    for u in range(n):
        for q in range(W):
            m2 += _popcount(rows[u, q])
    preds = np.empty(m2 // 2 + 1, dtype=np.int64)
    succ = np.empty(m2 // 2 + 1, dtype=np.int64)
    level = np.zeros(W, dtype=np.uint64)
    visited = np.zeros(W, dtype=np.uint64)
    nxt = np.zeros(W, dtype=np.uint64)
    for s in range(n):
        d, cnt = _shortest_path_dag(s, rows, sigma, order, lstart, preds, succ, astart, level, visited, nxt)
        for e in range(d, 0, -1):
            for i in range(lstart[e], lstart[e + 1]):
                u = order[i]
                coef[u] = (1.0 + delta[u]) / sigma[u]
                bc[u] += delta[u]
            for a in range(astart[e + 1] - 1, astart[e] - 1, -1):
                v = preds[a]
                delta[v] += sigma[v] * coef[succ[a]]
        for i in range(cnt):
            delta[order[i]] = 0.0
    return bc


def betweenness_bin(A: np.ndarray) -> np.ndarray:
    """Node betweenness (n,) float64, as BCT ``betweenness_bin`` on an undirected graph: the number
    of shortest paths through each node summed over ordered (s, t) pairs (s, t != node), each path
    weighted 1 / (number of shortest s-t paths); unnormalised. Unreachable pairs contribute 0.
    A: (n, n) 0/1 symmetric, no self-loops."""
    A = validate_adjacency(A)
    _, _, rows = _graph_arrays(A)
    return _betweenness_kernel(A.shape[0], rows)
