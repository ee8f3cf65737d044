"""Random null graphs, small-worldness and small-world propensity.

Nulls are uniform random undirected graphs with the network's number of nodes n and edges m
(BCT ``makerandCIJ_und(n, m)``, made symmetric: each null is a uniformly drawn m-subset of the
n(n-1)/2 node pairs, no self-loops). A batch of nulls is drawn from one
``numpy.random.Generator`` (an ``int`` seed is passed to ``numpy.random.default_rng``) and
measured in one compiled pass (optionally on several threads), so the same seed gives the same
floats.

Disconnection (our choice, tested in ``tests/test_nulls.py``): every graph, the network and each
null alike, gets L = mean of its *finite* off-diagonal distances (BCT ``charpath`` with
``include_infinite=False``), and all nulls enter the null means. ``n_components`` of the network and
``disconnected_nulls`` (nulls with more than one component) are reported next to sigma so that a
reader can drop or flag those rows. The efficiency form ``sigma_E = (C/C_null) (E/E_null)`` needs no
such convention (unreachable pairs add 0 to E). A ratio with a zero or undefined denominator is
``nan``.
"""

from __future__ import annotations

import numba
import numpy as np

from .graphs import (
    _abs_offdiag,
    _build_graph,
    _floyd_warshall,
    _stats_kernel,
    binary_summary,
    validate_adjacency,
)

__all__ = [
    "as_generator",
    "sample_null_edges",
    "random_graphs",
    "null_statistics",
    "small_worldness",
    "small_world_propensity",
]


def as_generator(seed: int | np.random.Generator) -> np.random.Generator:
    """``numpy.random.Generator`` from an int seed (or a Generator, returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int or numpy.random.Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


def _check_nm(n: int, m: int, n_graphs: int) -> None:
    if int(n) != n or n < 1:
        raise ValueError(f"n (number of nodes) must be a positive integer, got {n!r}")
    pairs = n * (n - 1) // 2
    if int(m) != m or m < 0 or m > pairs:
        raise ValueError(f"m (number of edges) must be an integer in [0, {pairs}] for n={n}, got {m!r}")
    if int(n_graphs) != n_graphs or n_graphs < 1:
        raise ValueError(f"number of null graphs must be a positive integer, got {n_graphs!r}")


@numba.njit(cache=True)
def _sample_pairs(n_pairs, U):
    """Partial Fisher-Yates per row: U (G, m) uniforms in [0, 1) -> (G, m) distinct pair indices.

    Step i swaps position i with a uniform position in [i, n_pairs); the first m positions are
    then a uniform random m-subset. (The same steps as in :func:`_null_stats_kernel`.)
    """
    G, m = U.shape
    out = np.empty((G, m), dtype=np.int64)
    perm = np.empty(n_pairs, dtype=np.int64)
    for g in range(G):
        for i in range(n_pairs):
            perm[i] = i
        for i in range(m):
            j = i + int(U[g, i] * (n_pairs - i))
            if j >= n_pairs:  # guard against rounding at U -> 1
                j = n_pairs - 1
            t = perm[j]
            perm[j] = perm[i]
            perm[i] = t
            out[g, i] = t
    return out


def sample_null_edges(n: int, m: int, n_graphs: int, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Edge lists of ``n_graphs`` uniform random graphs with n nodes and m edges.

    Returns (ei, ej): two (n_graphs, m) int64 arrays with ei < ej; the edges of each graph are
    distinct. Consumes ``n_graphs * m`` uniforms from the generator.
    """
    _check_nm(n, m, n_graphs)
    rng = as_generator(seed)
    iu, ju = np.triu_indices(n, 1)
    U = rng.random((int(n_graphs), int(m)))
    idx = _sample_pairs(iu.size, U)
    return iu[idx].astype(np.int64), ju[idx].astype(np.int64)


def random_graphs(n: int, m: int, n_graphs: int = 1, seed=0) -> np.ndarray:
    """Uniform random undirected graphs: (n_graphs, n, n) uint8, symmetric, no self-loops, m edges.

    BCT ``makerandCIJ_und(n, m)`` made symmetric. The same (n, m, n_graphs, seed) gives the very
    graphs that :func:`null_statistics` measures.
    """
    ei, ej = sample_null_edges(n, m, n_graphs, seed)
    out = np.zeros((ei.shape[0], n, n), dtype=np.uint8)
    g = np.repeat(np.arange(ei.shape[0]), ei.shape[1])
    out[g, ei.ravel(), ej.ravel()] = 1
    out[g, ej.ravel(), ei.ravel()] = 1
    return out


@numba.njit(cache=True)
def _null_range(n, iu, ju, U, out, start, stop):
    """Sample and measure nulls start..stop-1 into out[g] = [C, L, E, n_components].

    Null g depends only on U[g] (partial Fisher-Yates on a freshly reset pair permutation, the
    same steps as :func:`_sample_pairs`), so results do not depend on how nulls are split up.
    """
    m = U.shape[1]
    P = iu.shape[0]
    W = (n + 63) // 64
    perm = np.empty(P, dtype=np.int64)
    ei = np.empty(m, dtype=np.int64)
    ej = np.empty(m, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    nbr = np.zeros(2 * m, dtype=np.int64)
    rows = np.zeros((n, W), dtype=np.uint64)
    X = np.empty((n, W), dtype=np.uint64)
    Y = np.empty((n, W), dtype=np.uint64)
    for g in range(start, stop):
        for i in range(P):
            perm[i] = i
        for i in range(m):
            j = i + int(U[g, i] * (P - i))
            if j >= P:
                j = P - 1
            t = perm[j]
            perm[j] = perm[i]
            perm[i] = t
            ei[i] = iu[t]
            ej[i] = ju[t]
        _build_graph(n, ei, ej, indptr, nbr, rows)
        cl, pl, ef, nc = _stats_kernel(n, indptr, nbr, rows, X, Y)
        out[g, 0] = cl
        out[g, 1] = pl
        out[g, 2] = ef
        out[g, 3] = nc


@numba.njit(cache=True)
def _null_stats_serial(n, iu, ju, U):
    out = np.empty((U.shape[0], 4))
    _null_range(n, iu, ju, U, out, 0, U.shape[0])
    return out


@numba.njit(cache=True, parallel=True)
def _null_stats_parallel(n, iu, ju, U, nchunk):
    G = U.shape[0]
    out = np.empty((G, 4))
    for c in numba.prange(nchunk):
        _null_range(n, iu, ju, U, out, c * G // nchunk, (c + 1) * G // nchunk)
    return out


def null_statistics(
    n: int, m: int, n_nulls: int = 1000, seed=0, *, threads: int = 1
) -> dict[str, np.ndarray]:
    """Measures of ``n_nulls`` random graphs with n nodes and m edges (see :func:`random_graphs`).

    Returns a dict of (n_nulls,) float64 arrays: ``clustering`` (mean clustering_coef_bu),
    ``path_length`` (finite-pair charpath), ``efficiency`` (efficiency_bin), ``n_components``.
    threads: numba threads for this call (capped at ``numba.config.NUMBA_NUM_THREADS``); the
    result does not depend on it. The default 1 suits a pipeline that runs one job per core
    (idle worker threads and multi-threaded BLAS then get in each other's way).
    """
    _check_nm(n, m, n_nulls)
    if isinstance(threads, (bool, np.bool_)) or int(threads) != threads or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    rng = as_generator(seed)
    iu, ju = np.triu_indices(n, 1)
    iu = iu.astype(np.int64)
    ju = ju.astype(np.int64)
    U = rng.random((int(n_nulls), int(m)))
    threads = min(int(threads), numba.config.NUMBA_NUM_THREADS)
    if threads == 1:
        S = _null_stats_serial(int(n), iu, ju, U)
    else:
        before = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            S = _null_stats_parallel(int(n), iu, ju, U, min(int(n_nulls), 4 * threads))
        finally:
            numba.set_num_threads(before)
    return {
        "clustering": S[:, 0].copy(),
        "path_length": S[:, 1].copy(),
        "efficiency": S[:, 2].copy(),
        "n_components": S[:, 3].copy(),
    }


def _ratio(a: float, b: float) -> float:
    if not (np.isfinite(a) and np.isfinite(b)) or b == 0:
        return float("nan")
    return float(a / b)


def _zscore(x: float, sample: np.ndarray) -> float:
    sample = sample[np.isfinite(sample)]
    if sample.size < 2 or not np.isfinite(x):
        return float("nan")
    sd = sample.std(ddof=1)
    return float((x - sample.mean()) / sd) if sd > 0 else float("nan")


def _finite_mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


def small_worldness(A: np.ndarray, n_nulls: int = 1000, seed=0, *, threads: int = 1) -> dict[str, float]:
    """Small-worldness of a binary undirected graph against density-matched random nulls.

    A: (n, n) 0/1 symmetric, no self-loops. Returns floats:
    ``sigma`` = (C/C_null)/(L/L_null), ``sigma_efficiency`` = (C/C_null)(E/E_null),
    ``clustering`` C, ``path_length`` L, ``efficiency`` E, ``n_components`` of A,
    ``clustering_null_mean``, ``path_length_null_mean``, ``efficiency_null_mean`` (means over the
    nulls; a null with no connected pair has L = nan and is left out of the L mean only),
    ``clustering_z``, ``path_length_z`` ((x - null mean) / null sample sd, ddof=1; nan if sd = 0),
    ``disconnected_nulls`` (count of nulls with more than one component), ``n_nulls``.
    L is always the finite-pair charpath (module docstring). threads: see :func:`null_statistics`.
    """
    A = validate_adjacency(A)
    n = A.shape[0]
    m = int(np.triu(A, 1).sum())
    net = binary_summary(A)
    nul = null_statistics(n, m, n_nulls, seed, threads=threads)
    C, L, E = net["clustering"], net["path_length"], net["efficiency"]
    Cn = float(np.mean(nul["clustering"]))
    Ln = _finite_mean(nul["path_length"])
    En = float(np.mean(nul["efficiency"]))
    gamma_c = _ratio(C, Cn)
    sigma = _ratio(gamma_c, _ratio(L, Ln))
    sigma_e = float(gamma_c * _ratio(E, En)) if np.isfinite(gamma_c) else float("nan")
    return {
        "sigma": sigma,
        "sigma_efficiency": sigma_e,
        "clustering": C,
        "path_length": L,
        "efficiency": E,
        "n_components": net["n_components"],
        "clustering_null_mean": Cn,
        "path_length_null_mean": Ln,
        "efficiency_null_mean": En,
        "clustering_z": _zscore(C, nul["clustering"]),
        "path_length_z": _zscore(L, nul["path_length"]),
        "disconnected_nulls": float(np.sum(nul["n_components"] > 1)),
        "n_nulls": float(n_nulls),
    }


# ---------------------------------------------------------------------------------------------
# small-world propensity (Muldoon, Bridgeford & Bassett 2016, Sci Rep 6:22057)


def _swp_symmetrize(W: np.ndarray) -> np.ndarray:
    """(W + W.T)/2 (the authors' ``symm_matrix`` for weighted input: mean where either is > 0)."""
    return (W + W.T) / 2.0


def _swp_path(W: np.ndarray) -> float:
    """Authors' ``avg_path_matrix(1./W)``: unreachable -> 0, mean over all n^2 entries."""
    with np.errstate(divide="ignore"):
        L = np.where(W > 0, 1.0 / W, np.inf)
    D = _floyd_warshall(L)
    D[~np.isfinite(D)] = 0.0
    return float(D.mean())


def _swp_clustering(W: np.ndarray) -> float:
    """Mean Onnela clustering: diag((W/max W)^(1/3))^3) / (k(k-1)), 0 where there is no 3-cycle."""
    k = (W != 0).sum(axis=1).astype(np.float64)
    W3 = np.cbrt(W / W.max())
    cyc3 = np.einsum("ij,jk,ki->i", W3, W3, W3)
    C = np.zeros_like(cyc3)
    ok = (cyc3 != 0) & (k > 1)
    C[ok] = cyc3[ok] / (k[ok] * (k[ok] - 1.0))
    return float(C.mean())


def _swp_random(W: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shuffle the upper-triangle entries (zeros included) over the upper-triangle pairs."""
    n = W.shape[0]
    iu, ju = np.triu_indices(n, 1)
    vals = W[iu, ju][rng.permutation(iu.size)]
    R = np.zeros_like(W)
    R[iu, ju] = vals
    R[ju, iu] = vals
    return R


def _swp_lattice(W: np.ndarray, radius: int, rng: np.random.Generator) -> np.ndarray:
    """Weighted ring lattice: the strongest weights on the innermost ring, shuffled within a ring.

    Sorted upper-triangle weights (descending, zero padded) are cut into columns of n; ring z
    (pairs i, i+z mod n) takes column z in random order, non-zero values first (as the authors'
    ``regular_matrix_generator``).
    """
    n = W.shape[0]
    vals = np.sort(np.triu(W).ravel())[::-1]
    ncol = -(-vals.size // n)
    vals = np.concatenate([vals, np.zeros(ncol * n - vals.size)]).reshape(ncol, n)
    M = np.zeros_like(W)
    nodes = np.arange(n)
    for z in range(1, radius + 1):
        col = vals[z - 1] if z - 1 < ncol else np.zeros(n)
        nz = col[col != 0]
        assigned = np.concatenate([nz[rng.permutation(nz.size)], np.zeros(n - nz.size)])
        j = (nodes + z) % n
        if 2 * z == n:  # ring of opposite nodes: each pair is visited twice, the later value wins
            for i in range(n):
                M[i, j[i]] = M[j[i], i] = assigned[i]
        else:
            M[nodes, j] = assigned
            M[j, nodes] = assigned
    return M


def small_world_propensity(W: np.ndarray, seed=0) -> dict[str, float]:
    """Weighted small-world propensity (Muldoon et al. 2016): ``swp``, ``delta_c``, ``delta_l``.

    W: (n, n) real weights; uses |W| with the diagonal ignored, symmetrised as (|W| + |W|.T)/2
    (the authors' rule for asymmetric input). One random and one lattice reference graph are
    drawn from the seed (as the authors' code does). Path lengths use connection length 1/w with
    unreachable pairs counted as 0 over all n^2 entries; clustering is Onnela's. delta values are
    clipped to [-1, 1]; SWP = 1 - sqrt((delta_c^2 + delta_l^2)/2). All-zero W gives nan.
    """
    Wa = _swp_symmetrize(_abs_offdiag(W))
    n = Wa.shape[0]
    nan = float("nan")
    if n < 3 or Wa.sum() == 0:
        return {"swp": nan, "delta_c": nan, "delta_l": nan}
    rng = as_generator(seed)
    radius = int(np.ceil(np.count_nonzero(Wa) / n / 2.0))
    W_reg = _swp_lattice(Wa, radius, rng)
    W_rand = _swp_random(Wa, rng)

    reg_l, rand_l, net_l = _swp_path(W_reg), _swp_path(W_rand), _swp_path(Wa)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_l = np.float64(max(net_l - rand_l, 0.0)) / np.float64(reg_l - rand_l)
    d_l = float(np.clip(d_l, -1.0, 1.0))

    reg_c, rand_c, net_c = _swp_clustering(W_reg), _swp_clustering(W_rand), _swp_clustering(Wa)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_c = np.float64(max(reg_c - net_c, 0.0)) / np.float64(reg_c - rand_c)
    if np.isnan(reg_c) or np.isnan(rand_c) or np.isnan(net_c):
        d_c = 1.0
    d_c = float(np.clip(d_c, -1.0, 1.0))
    swp = 1.0 - np.sqrt(d_c**2 + d_l**2) / np.sqrt(2.0)
    return {"swp": float(swp), "delta_c": d_c, "delta_l": d_l}
