"""Null graphs, small-worldness and small-world propensity."""

import bct
import networkx as nx
import numba
import numpy as np
import pytest
from oracles import bct_binary_stats, small_worldness_oracle

from sernn import nulls

TOL = 1e-10


@pytest.mark.parametrize("n,m", [(100, 940), (65, 100), (10, 45), (10, 0), (2, 1), (1, 0)])
def test_random_graphs_are_symmetric_simple_and_have_m_edges(n, m):
    G = nulls.random_graphs(n, m, 50, seed=3)
    assert G.shape == (50, n, n) and G.dtype == np.uint8
    assert np.array_equal(G, G.transpose(0, 2, 1))
    assert not G[:, np.arange(n), np.arange(n)].any()
    assert (np.triu(G, 1).sum(axis=(1, 2)) == m).all()
    assert set(np.unique(G)) <= {0, 1}


def test_random_graphs_are_seeded():
    a = nulls.random_graphs(30, 40, 5, seed=1)
    assert np.array_equal(a, nulls.random_graphs(30, 40, 5, seed=1))
    assert not np.array_equal(a, nulls.random_graphs(30, 40, 5, seed=2))
    rng = np.random.default_rng(1)
    assert np.array_equal(a, nulls.random_graphs(30, 40, 5, seed=rng))


def test_random_graph_edges_are_uniform_over_pairs():
    n, m, G = 6, 5, 6000
    ei, ej = nulls.sample_null_edges(n, m, G, seed=0)
    pair = ei * n + ej
    counts = np.array([(pair == i * n + j).sum() for i, j in zip(*np.triu_indices(n, 1))])
    expected = G * m / 15
    # each pair is in a graph with probability m / 15; chi-square with 14 dof, 99.99% quantile ~ 42
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 42
    # every graph: distinct edges
    assert all(len(set(row)) == m for row in pair)


@pytest.mark.parametrize("n,m,seed", [(100, 940, 0), (50, 40, 1), (70, 150, 2), (64, 300, 3)])
def test_null_statistics_match_bct_on_the_same_graphs(n, m, seed):
    k = 25
    S = nulls.null_statistics(n, m, k, seed=seed)
    G = nulls.random_graphs(n, m, k, seed=seed)
    for g in range(k):
        c, L, e, nc = bct_binary_stats(G[g].astype(float))
        assert abs(S["clustering"][g] - c) <= TOL
        assert abs(S["path_length"][g] - L) <= TOL
        assert abs(S["efficiency"][g] - e) <= TOL
        assert S["n_components"][g] == nc


def test_null_statistics_independent_of_thread_count():
    one = nulls.null_statistics(60, 200, 41, seed=9)
    for threads in (2, 3):
        many = nulls.null_statistics(60, 200, 41, seed=9, threads=threads)
        for key in one:
            assert np.array_equal(one[key], many[key])
    before = numba.get_num_threads()
    nulls.null_statistics(60, 200, 5, seed=9, threads=2)
    assert numba.get_num_threads() == before  # restored


def test_sigma_is_about_one_for_density_matched_random_graphs():
    sigmas = []
    for s in range(5):
        A = nx.to_numpy_array(nx.gnm_random_graph(100, 940, seed=s))
        r = nulls.small_worldness(A, 300, seed=s)
        sigmas.append(r["sigma"])
        assert 0.85 < r["sigma"] < 1.15
        assert 0.85 < r["sigma_efficiency"] < 1.15
        assert abs(r["clustering_z"]) < 5 and abs(r["path_length_z"]) < 5
    assert abs(np.mean(sigmas) - 1) < 0.05


def test_sigma_is_large_for_watts_strogatz_small_world():
    A = nx.to_numpy_array(nx.watts_strogatz_graph(100, 10, 0.05, seed=1))
    r = nulls.small_worldness(A, 300, seed=0)
    assert r["sigma"] > 2.5 and r["sigma_efficiency"] > 2.5
    assert r["clustering_z"] > 10
    # ring lattice without rewiring: very high clustering, long paths, still sigma > 1
    lat = nx.to_numpy_array(nx.watts_strogatz_graph(100, 10, 0.0, seed=1))
    rl = nulls.small_worldness(lat, 300, seed=0)
    assert rl["clustering"] > r["clustering"] and rl["path_length"] > r["path_length"]


def test_small_worldness_equals_bct_measures_of_the_same_nulls():
    """Oracle: the nulls the seed draws (``random_graphs``, uniform: tested above) measured by bctpy
    and combined into sigma, the null means and z-scores in the test."""
    A = nx.to_numpy_array(nx.watts_strogatz_graph(60, 6, 0.2, seed=2))
    r = nulls.small_worldness(A, 200, seed=4)
    oracle = small_worldness_oracle(A, nulls.random_graphs(60, int(A.sum() / 2), 200, seed=4))
    for key, value in oracle.items():
        assert r[key] == pytest.approx(value, rel=1e-10, abs=1e-12), key
    assert r["n_nulls"] == 200
    assert r == nulls.small_worldness(A, 200, seed=4)  # deterministic
    assert r != nulls.small_worldness(A, 200, seed=5)


def test_disconnected_network_uses_finite_path_length_and_is_flagged():
    # two disjoint small-world halves: 2 components
    half = nx.to_numpy_array(nx.watts_strogatz_graph(50, 8, 0.1, seed=3))
    A = np.zeros((100, 100))
    A[:50, :50] = half
    A[50:, 50:] = half
    r = nulls.small_worldness(A, 200, seed=0)
    assert r["n_components"] == 2
    D = bct.distance_bin(A)
    assert r["path_length"] == pytest.approx(bct.charpath(D, include_infinite=False)[0])
    assert np.isfinite(r["sigma"]) and r["sigma"] > 1
    # E counts the unreachable half of the pairs as 0
    assert r["efficiency"] == pytest.approx(bct.efficiency_bin(A))
    oracle = small_worldness_oracle(A, nulls.random_graphs(100, int(A.sum() / 2), 200, seed=0))
    assert r["disconnected_nulls"] == oracle["disconnected_nulls"] < 20
    assert r["sigma"] == pytest.approx(oracle["sigma"], rel=1e-10)


def test_disconnected_nulls_are_counted_and_kept_in_the_means():
    # 50 nodes, 40 edges: almost every null is disconnected
    A = nulls.random_graphs(50, 40, 1, seed=11)[0]
    r = nulls.small_worldness(A, 100, seed=1)
    oracle = small_worldness_oracle(A, nulls.random_graphs(50, 40, 100, seed=1))
    assert r["disconnected_nulls"] == oracle["disconnected_nulls"] > 90
    assert np.isfinite(r["path_length_null_mean"])
    assert r["path_length_null_mean"] == pytest.approx(oracle["path_length_null_mean"], rel=1e-10)
    assert r["sigma"] == pytest.approx(oracle["sigma"], rel=1e-10)
    assert np.isfinite(r["sigma"])


def test_graph_without_edges_gives_nan_sigma():
    r = nulls.small_worldness(np.zeros((20, 20)), 50, seed=0)
    assert np.isnan(r["sigma"]) and np.isnan(r["sigma_efficiency"])
    assert r["clustering"] == 0 and np.isnan(r["path_length"]) and r["efficiency"] == 0
    assert r["n_components"] == 20 and r["disconnected_nulls"] == 50


def test_invalid_null_parameters_are_named():
    with pytest.raises(ValueError, match=r"edges\) must be an integer in \[0, 6\] for n=4, got 7"):
        nulls.random_graphs(4, 7, 1)
    with pytest.raises(ValueError, match="seed must be an int"):
        nulls.random_graphs(4, 2, 1, seed=1.5)
    with pytest.raises(ValueError, match="number of null graphs must be a positive integer, got 0"):
        nulls.null_statistics(4, 2, 0)


def ring_weights(n, k, beta, seed):
    G = nx.watts_strogatz_graph(n, k, beta, seed=seed)
    rng = np.random.default_rng(seed)
    W = nx.to_numpy_array(G) * rng.uniform(0.5, 1.0, size=(n, n))
    return np.triu(W, 1) + np.triu(W, 1).T


def test_small_world_propensity_binary_lattice_and_random_limits():
    # unit weights: the lattice reference is the ring itself, the random one a shuffle
    lattice = nx.to_numpy_array(nx.watts_strogatz_graph(100, 10, 0.0, seed=0))
    r = nulls.small_world_propensity(lattice, seed=0)
    assert r["delta_c"] == pytest.approx(0.0, abs=1e-12) and r["delta_l"] == 1.0
    assert r["swp"] == pytest.approx(1 - 1 / np.sqrt(2))
    rand = nx.to_numpy_array(nx.gnm_random_graph(100, 500, seed=0))
    r = nulls.small_world_propensity(rand, seed=0)
    assert r["delta_c"] > 0.9 and r["delta_l"] < 0.05


def test_small_world_propensity_peaks_between_lattice_and_random():
    res = {
        b: nulls.small_world_propensity(ring_weights(100, 10, b, 0), seed=0) for b in (0.0, 0.05, 0.1, 1.0)
    }
    for r in res.values():
        assert 0 <= r["swp"] <= 1 and -1 <= r["delta_c"] <= 1 and -1 <= r["delta_l"] <= 1
        assert r["swp"] == pytest.approx(1 - np.sqrt((r["delta_c"] ** 2 + r["delta_l"] ** 2) / 2))
    assert res[0.05]["swp"] > 0.7 and res[0.1]["swp"] > 0.7
    assert res[0.05]["swp"] > res[0.0]["swp"] and res[0.05]["swp"] > res[1.0]["swp"]
    # rewiring moves the network from lattice-like (low delta_c) to random-like (low delta_l)
    dc = [res[b]["delta_c"] for b in (0.0, 0.05, 0.1, 1.0)]
    dl = [res[b]["delta_l"] for b in (0.0, 0.05, 0.1, 1.0)]
    assert dc == sorted(dc) and dl == sorted(dl, reverse=True)


def test_small_world_propensity_is_seeded_and_uses_abs_symmetrised_weights():
    W = ring_weights(60, 6, 0.1, 1)
    Wd = np.triu(W) * -2.0  # directed, signed; (|Wd| + |Wd|.T)/2 == W
    np.fill_diagonal(Wd, 5.0)  # ignored
    a = nulls.small_world_propensity(W, seed=3)
    assert a == nulls.small_world_propensity(Wd, seed=3)
    assert a == nulls.small_world_propensity(W, seed=3)
    assert np.isnan(nulls.small_world_propensity(np.zeros((5, 5)))["swp"])
