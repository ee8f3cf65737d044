"""Binary and weighted graph measures against bctpy 0.6.1 (the Brain Connectivity Toolbox port)."""

import warnings

import bct
import numpy as np
import pytest

from sernn import graphs

TOL = 1e-10


def random_graph(n, p, seed):
    """Symmetric 0/1 (n, n) float adjacency, no self-loops, each pair present with probability p."""
    rng = np.random.default_rng(seed)
    U = np.triu(rng.random((n, n)) < p, 1)
    return (U | U.T).astype(float)


# sizes across the 64-bit word boundary; densities from empty/disconnected to complete
CASES = [
    (n, p, seed)
    for n, p in [
        (2, 1.0),
        (7, 0.3),
        (30, 0.05),
        (63, 0.1),
        (64, 0.2),
        (65, 0.03),
        (100, 0.19),
        (130, 0.04),
        (40, 0.0),
        (25, 1.0),
    ]
    for seed in (0, 1, 2)
]


def bct_charpath(D):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return bct.charpath(D, include_infinite=False)[0]


def close(a, b):
    return (np.isnan(a) and np.isnan(b)) or abs(a - b) <= TOL


def test_cases_include_disconnected_and_connected_graphs():
    comps = [bct.number_of_components(random_graph(*c)) for c in CASES]
    assert min(comps) == 1 and max(comps) > 10


@pytest.mark.parametrize("n,p,seed", CASES)
def test_binary_measures_match_bct(n, p, seed):
    A = random_graph(n, p, seed)
    np.testing.assert_allclose(graphs.clustering_coefficients(A), bct.clustering_coef_bu(A), rtol=0, atol=TOL)
    assert abs(graphs.mean_clustering(A) - np.mean(bct.clustering_coef_bu(A))) <= TOL

    Db = bct.distance_bin(A)
    D = graphs.distance_matrix(A)
    np.testing.assert_array_equal(D, Db)  # including inf for unreachable pairs

    L = graphs.path_length(D)
    assert close(L, bct_charpath(Db))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        E_bct = bct.efficiency_bin(A)
    E = graphs.global_efficiency(A)
    assert abs(E - E_bct) <= TOL

    s = graphs.binary_summary(A)
    assert abs(s["clustering"] - np.mean(bct.clustering_coef_bu(A))) <= TOL
    assert close(s["path_length"], bct_charpath(Db))
    assert abs(s["efficiency"] - E_bct) <= TOL
    assert s["n_components"] == bct.number_of_components(A)
    assert abs(graphs.density(A) - np.triu(A, 1).sum() / (n * (n - 1) / 2)) <= TOL


def test_disconnected_graph_conventions_by_hand():
    # two triangles and one isolated node: 7 nodes, 3 components
    A = np.zeros((7, 7))
    for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]:
        A[a, b] = A[b, a] = 1
    D = graphs.distance_matrix(A)
    assert np.isinf(D[0, 3]) and np.isinf(D[6, 0]) and D[6, 6] == 0
    assert graphs.path_length(D) == 1.0  # mean over the 12 finite ordered pairs
    assert graphs.global_efficiency(A) == pytest.approx(12 / 42, abs=1e-15)  # 1/inf = 0
    assert graphs.n_components(A) == 3
    assert graphs.mean_clustering(A) == pytest.approx(6 / 7, abs=1e-15)
    s = graphs.binary_summary(A)
    assert s == {
        "clustering": pytest.approx(6 / 7),
        "path_length": 1.0,
        "efficiency": pytest.approx(12 / 42),
        "n_components": 3.0,
    }


def test_graph_without_edges_has_nan_path_length_and_zero_efficiency():
    A = np.zeros((5, 5))
    assert np.isnan(graphs.path_length(graphs.distance_matrix(A)))
    s = graphs.binary_summary(A)
    assert np.isnan(s["path_length"]) and s["efficiency"] == 0 and s["clustering"] == 0
    assert s["n_components"] == 5


def test_path_graph_distances():
    n = 70  # crosses a word boundary
    A = np.zeros((n, n))
    idx = np.arange(n - 1)
    A[idx, idx + 1] = A[idx + 1, idx] = 1
    D = graphs.distance_matrix(A)
    np.testing.assert_array_equal(D, np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]))
    assert graphs.path_length(D) == pytest.approx((n + 1) / 3)


@pytest.mark.parametrize("n,p,seed", [(12, 0.3, 0), (30, 0.15, 1), (40, 0.05, 2), (35, 0.6, 3)])
def test_matching_index_matches_bct(n, p, seed):
    A = random_graph(n, p, seed)
    Min, Mout, Mall = bct.matching_ind(A)
    M = graphs.matching_index(A)
    np.testing.assert_allclose(M, Mall, rtol=0, atol=TOL)
    np.testing.assert_allclose(M, Min, rtol=0, atol=TOL)
    np.testing.assert_allclose(M, Mout, rtol=0, atol=TOL)
    assert abs(graphs.mean_matching_index(A) - Mall.sum() / (n * n - n)) <= TOL


def random_weights(n, p, seed, signed=True):
    """Directed weights: a fraction p of off-diagonal entries non-zero, diagonal non-zero too."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, n)) if signed else rng.random((n, n))
    W *= rng.random((n, n)) < p
    np.fill_diagonal(W, rng.normal(size=n))  # must be ignored
    return W


@pytest.mark.parametrize("n,p,seed", [(10, 0.5, 0), (25, 0.1, 1), (30, 0.04, 2), (40, 1.0, 3), (20, 0.02, 4)])
def test_weighted_efficiency_matches_bct(n, p, seed):
    W = random_weights(n, p, seed)
    Wa = np.abs(W)
    np.fill_diagonal(Wa, 0)
    expected = bct.efficiency_wei(Wa)  # directed: BCT's Dijkstra follows rows
    assert abs(graphs.weighted_efficiency(W) - expected) <= TOL
    # global efficiency is the same for the transpose (paths reversed)
    assert abs(graphs.weighted_efficiency(W.T) - expected) <= TOL
    # symmetric input: also equals BCT
    S = np.maximum(Wa, Wa.T)
    assert abs(graphs.weighted_efficiency(S) - bct.efficiency_wei(S)) <= TOL


def test_weighted_distance_matrix_is_directed():
    W = np.zeros((3, 3))
    W[0, 1] = 0.5  # 0 -> 1, length 2
    W[1, 2] = 0.25  # 1 -> 2, length 4
    D = graphs.weighted_distance_matrix(W)
    assert D[0, 2] == 6 and np.isinf(D[2, 0]) and D[1, 0] == np.inf
    assert graphs.weighted_efficiency(W) == pytest.approx((1 / 2 + 1 / 4 + 1 / 6) / 6)


def test_weight_sums_and_correlation():
    rng = np.random.default_rng(5)
    n = 20
    W = random_weights(n, 0.3, 5)
    D = rng.random((n, n)) * 4
    D = D + D.T
    np.fill_diagonal(D, 0)
    off = ~np.eye(n, dtype=bool)
    assert graphs.total_weight(W) == pytest.approx(np.abs(W[off]).sum(), rel=1e-13)
    assert graphs.weighted_edge_length(W, D) == pytest.approx((np.abs(W) * D)[off].sum(), rel=1e-13)
    nz = off & (W != 0)
    expected = np.corrcoef(np.abs(W[nz]), D[nz])[0, 1]
    assert abs(graphs.weight_distance_corr(W, D) - expected) <= TOL
    # weights falling linearly with distance -> correlation -1
    assert graphs.weight_distance_corr(10.0 - D, D) == pytest.approx(-1.0, abs=1e-12)
    assert np.isnan(graphs.weight_distance_corr(np.eye(n), D))  # no off-diagonal weight


@pytest.mark.parametrize(
    "A,match",
    [
        (np.array([[0, 2], [2, 0]]), r"0/1; adjacency\[0, 1\]=2"),
        (np.array([[0, 1], [0, 0]]), r"symmetric; adjacency\[0, 1\]=1.0 but adjacency\[1, 0\]=0.0"),
        (np.array([[1, 0], [0, 0]]), r"self-loops; adjacency\[0, 0\]=1"),
        (np.zeros((2, 3)), r"square .* shape \(2, 3\)"),
        (np.array([[0, np.nan], [np.nan, 0]]), r"finite; adjacency\[0, 1\]=nan"),
    ],
)
def test_invalid_adjacency_is_named(A, match):
    with pytest.raises(ValueError, match=match):
        graphs.binary_summary(A)


def test_distance_shape_mismatch_is_named():
    with pytest.raises(ValueError, match=r"distance has shape \(3, 3\)"):
        graphs.weighted_edge_length(np.ones((4, 4)), np.ones((3, 3)))
