"""Tests of sernn.generative against BCT semantics (the conventions of the package docstring).

Oracles: the plain numpy reference in tests/gnm_reference.py (same random stream), full
recomputation of K from the adjacency, scipy.stats.ks_2samp, bctpy's betweenness_bin and
clustering_coef_bu (right for those; bctpy's generative_model is not, see the package docstring).
"""

from __future__ import annotations

import bct
import gnm_reference as ref
import numpy as np
import pytest
from scipy.stats import chisquare, ks_2samp

from sernn import generative as gnm
from sernn import graphs

TOPOLOGY_RULES = [r for r in gnm.RULES if r != "sptl"]


def grid_distance(shape=(5, 5, 4)) -> np.ndarray:
    axes = [np.arange(s, dtype=float) for s in shape]
    coords = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(shape))
    return np.linalg.norm(coords[:, None] - coords[None], axis=-1)


def random_distance(n, seed) -> np.ndarray:
    pts = np.random.default_rng(seed).random((n, 3)) * 4
    return np.linalg.norm(pts[:, None] - pts[None], axis=-1)


def edge_set(edges):
    return {tuple(e) for e in np.asarray(edges).tolist()}


GRID = grid_distance()
SMALL = random_distance(18, 0)
PARAMS = [(-2.0, 0.5), (-1.0, -1.5), (1.5, 2.0), (-3.0, -0.7), (0.5, 3.0)]


# ---------------------------------------------------------------------------------------------
# growth


@pytest.mark.parametrize("rule", TOPOLOGY_RULES)
@pytest.mark.parametrize("eta,gamma", [(-2.0, 0.8), (-1.0, -1.2)])
def test_incremental_state_equals_full_recompute(rule, eta, gamma):
    m = 60
    tr = gnm.simulate_trace(SMALL, m, rule, eta, gamma, seed=5)
    iu, ju = tr["pairs"].T
    n = SMALL.shape[0]
    d = SMALL[iu, ju]
    A = np.zeros((n, n))
    for t, (a, b) in enumerate(tr["edges"]):
        A[a, b] = A[b, a] = 1
        K = ref.full_K(rule, A)[iu, ju]
        np.testing.assert_allclose(tr["K"][t], K, rtol=0, atol=1e-12, err_msg=f"{rule} step {t}")
        # the weights are those of the kernel's own K (|c_i - c_j| + eps amplifies 1e-16 noise)
        expected_w = np.where(A[iu, ju] > 0, 0.0, d**eta * tr["K"][t] ** gamma)
        np.testing.assert_allclose(tr["w"][t], expected_w, rtol=1e-12, atol=0, err_msg=f"{rule} step {t}")


@pytest.mark.parametrize("rule", gnm.RULES)
def test_exactly_m_unique_edges_symmetric_no_self_loops(rule):
    for eta, gamma in PARAMS:
        edges = gnm.simulate(GRID, 495, rule, eta, gamma, seed=1)
        assert edges.shape == (495, 2)
        assert np.all(edges[:, 0] < edges[:, 1])  # no self-loops, i < j
        assert len(edge_set(edges)) == 495
        A = gnm.edges_to_adjacency(edges, 100)
        assert np.array_equal(A, A.T) and A.sum() == 2 * 495 and not A.diagonal().any()


def test_pair_0_1_is_reachable():
    # U = 0 picks the first pair with positive weight, which is (0, 1) in column-major order
    u = np.zeros(10)
    assert tuple(gnm.simulate(GRID, 10, "sptl", -1.0, uniforms=u)[0]) == (0, 1)
    # and with random streams it is formed in some runs (bctpy 0.6.1 never forms it)
    formed = sum((0, 1) in edge_set(gnm.simulate(GRID, 495, "sptl", -1.0, seed=s)) for s in range(20))
    assert formed > 0


def test_eta_zero_spatial_rule_draws_uniform_random_graphs():
    n, m, runs = 7, 5, 3000
    D = random_distance(n, 1)  # unequal distances: eta = 0 must ignore them
    counts = np.zeros((n, n))
    for s in range(runs):
        for a, b in gnm.simulate(D, m, "sptl", 0.0, seed=s):
            counts[a, b] += 1
    freq = counts[np.triu_indices(n, 1)]
    assert freq.sum() == runs * m
    assert chisquare(freq).pvalue > 1e-3
    # and the test can fail: a spatial rule (eta = -3) is far from uniform
    counts[:] = 0
    for s in range(300):
        for a, b in gnm.simulate(D, m, "sptl", -3.0, seed=s):
            counts[a, b] += 1
    assert chisquare(counts[np.triu_indices(n, 1)]).pvalue < 1e-6


@pytest.mark.parametrize("rule", TOPOLOGY_RULES)
def test_gamma_zero_reproduces_spatial_rule(rule):
    for eta in (-2.5, 0.7):
        u = np.random.default_rng(7).random(495)
        sptl = gnm.simulate(GRID, 495, "sptl", eta, 0.0, uniforms=u)
        assert np.array_equal(gnm.simulate(GRID, 495, rule, eta, 0.0, uniforms=u), sptl)
        assert not np.array_equal(gnm.simulate(GRID, 495, rule, eta, 1.0, uniforms=u), sptl)


@pytest.mark.parametrize("rule", gnm.RULES)
def test_identical_to_numpy_reference(rule):
    n_small = SMALL.shape[0]
    for i, (eta, gamma) in enumerate(PARAMS):
        u = np.random.default_rng(100 + i).random(70)
        ours = gnm.simulate(SMALL, 70, rule, eta, gamma, uniforms=u)
        np.testing.assert_array_equal(ours, ref.simulate_reference(SMALL, 70, rule, eta, gamma, u))
        assert ours.max() < n_small
    u = np.random.default_rng(3).random(300)
    ours = gnm.simulate(GRID, 300, rule, -2.0, 0.6, uniforms=u)
    np.testing.assert_array_equal(ours, ref.simulate_reference(GRID, 300, rule, -2.0, 0.6, u))
    D = random_distance(130, 1)  # three 64-bit words per neighbour set
    ours = gnm.simulate(D, 300, rule, -2.0, 0.7, uniforms=u)
    np.testing.assert_array_equal(ours, ref.simulate_reference(D, 300, rule, -2.0, 0.7, u))


@pytest.mark.parametrize("rule", ["sptl", "matching", "clu-avg", "deg-prod", "neighbors"])
def test_exponential_form_identical_to_numpy_reference(rule):
    mv = ("exponential", "exponential")
    u = np.random.default_rng(4).random(60)
    ours = gnm.simulate(SMALL, 60, rule, -1.0, 0.3, uniforms=u, modelvar=mv)
    np.testing.assert_array_equal(ours, ref.simulate_reference(SMALL, 60, rule, -1.0, 0.3, u, modelvar=mv))


def test_seed_argument_is_the_uniform_stream():
    u = np.random.default_rng(42).random(100)
    np.testing.assert_array_equal(
        gnm.simulate(GRID, 100, "matching", -2, 0.5, seed=42),
        gnm.simulate(GRID, 100, "matching", -2, 0.5, uniforms=u),
    )


def test_seed_adjacency_is_kept_and_extended():
    seed_edges = gnm.simulate(GRID, 30, "sptl", -2.0, seed=0)
    S = gnm.edges_to_adjacency(seed_edges, 100)
    for rule in ("matching", "clu-avg", "deg-avg", "neighbors"):
        edges = gnm.simulate(GRID, 100, rule, -2.0, 0.5, seed=1, seed_adjacency=S)
        assert edge_set(edges[:30]) == edge_set(seed_edges)
        assert len(edge_set(edges)) == 100
        # the seed's K is what a full recompute gives: check through the trace after one more edge
        tr = gnm.simulate_trace(GRID, 31, rule, -2.0, 0.5, seed=1, seed_adjacency=S)
        A = gnm.edges_to_adjacency(tr["edges"], 100).astype(float)
        iu, ju = tr["pairs"].T
        np.testing.assert_allclose(tr["K"][0], ref.full_K(rule, A)[iu, ju], rtol=0, atol=1e-12)


def _edited(D, ij, value, symmetric=True):
    D = D.copy()
    D[ij] = value
    if symmetric:
        D[ij[::-1]] = value
    return D


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown GNM rule 'spatial'"):
        gnm.simulate(GRID, 10, "spatial", -1.0)
    D0 = GRID.copy()
    D0[3, 4] = D0[4, 3] = 0.0
    with pytest.raises(ValueError, match=r"distance\[3, 4\]=0.0"):
        gnm.simulate(D0, 10, "sptl", -1.0)
    for bad, message in (
        (np.full((3, 4), 1.0), r"square \(n, n\) matrix, got shape \(3, 4\)"),
        (np.ones((1, 1)), "at least 2 nodes"),
        (_edited(GRID, (7, 2), np.nan), r"finite; distance\[2, 7\]=nan"),
        (
            _edited(GRID, (5, 9), 9.5, symmetric=False),
            r"symmetric; distance\[5, 9\]=9.5 but distance\[9, 5\]",
        ),
        (_edited(GRID, (8, 1), -2.0), r"> 0 off the diagonal .*distance\[1, 8\]=-2.0"),
    ):
        with pytest.raises(ValueError, match=message):
            gnm.simulate(bad, 10, "sptl", -1.0)
        with pytest.raises(ValueError, match=message):
            gnm.target_statistics(np.zeros(bad.shape, np.uint8), bad)
    np.testing.assert_array_equal(  # a Fortran-ordered or integer matrix is taken as its float64 values
        gnm.simulate(np.asfortranarray(GRID), 40, "sptl", -1.0, seed=2),
        gnm.simulate(GRID, 40, "sptl", -1.0, seed=2),
    )
    with pytest.raises(ValueError, match="m .* must lie in"):
        gnm.simulate(GRID, 5000, "sptl", -1.0)
    with pytest.raises(ValueError, match="modelvar"):
        gnm.simulate(GRID, 10, "sptl", -1.0, modelvar=("powerlaw", "gauss"))
    with pytest.raises(ValueError, match="uniforms must have shape"):
        gnm.simulate(GRID, 10, "sptl", -1.0, uniforms=np.zeros(3))
    with pytest.raises(FloatingPointError, match="not a positive finite number"):
        gnm.simulate(GRID, 400, "deg-prod", 0.0, 50.0, seed=0, modelvar=("powerlaw", "exponential"))


# ---------------------------------------------------------------------------------------------
# energy


def random_graph(n, m, seed):
    rng = np.random.default_rng(seed)
    iu, ju = np.triu_indices(n, 1)
    pick = rng.choice(iu.size, m, replace=False)
    A = np.zeros((n, n), dtype=np.uint8)
    A[iu[pick], ju[pick]] = 1
    return A | A.T


def test_ks_equals_scipy_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(200):
        x = rng.integers(0, 6, rng.integers(1, 40)).astype(float)
        y = rng.integers(0, 8, rng.integers(1, 40)).astype(float) * rng.choice([1.0, 0.5])
        assert gnm.ks_statistic(x, y) == ks_2samp(x, y).statistic
        x = rng.normal(size=30)
        y = rng.normal(size=45) + 0.3
        assert gnm.ks_statistic(x, y) == ks_2samp(x, y).statistic


@pytest.mark.parametrize("seed", range(6))
def test_betweenness_and_clustering_equal_bctpy(seed):
    A = random_graph(60, [40, 90, 200, 400, 60, 300][seed], seed)  # sparse ones are disconnected
    Af = A.astype(float)
    np.testing.assert_allclose(graphs.betweenness_bin(A), bct.betweenness_bin(Af), rtol=1e-12, atol=1e-9)
    stats = gnm.network_statistics(A, random_distance(60, seed))
    np.testing.assert_allclose(stats["betweenness"], np.sort(bct.betweenness_bin(Af)), rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(stats["clustering"], np.sort(bct.clustering_coef_bu(Af)))
    np.testing.assert_array_equal(stats["degree"], np.sort(bct.degrees_und(Af)))
    iu, ju = np.nonzero(np.triu(A, 1))
    np.testing.assert_array_equal(stats["edge_length"], np.sort(random_distance(60, seed)[iu, ju]))


@pytest.mark.parametrize(("n", "m"), [(64, 300), (65, 120), (100, 150), (100, 495), (128, 1500), (130, 400)])
def test_betweenness_equals_bctpy_across_bitset_widths(n, m):
    """One and two 64-bit words per row (the two-word predecessor loop), and three (the generic
    loop); sparse graphs are disconnected."""
    A = random_graph(n, m, n + m)
    np.testing.assert_allclose(
        graphs.betweenness_bin(A), bct.betweenness_bin(A.astype(float)), rtol=1e-12, atol=1e-9
    )


@pytest.mark.parametrize("rule", ["sptl", "matching", "clu-avg", "deg-max"])
def test_energy_equals_scipy_ks_of_bctpy_measures(rule):
    target = gnm.edges_to_adjacency(gnm.simulate(GRID, 495, "matching", -2.0, 0.4, seed=0), 100)
    stats = gnm.target_statistics(target, GRID)
    for s in range(3):
        edges = gnm.simulate(GRID, 495, rule, -1.5, 0.8, seed=s)
        B = gnm.edges_to_adjacency(edges, 100).astype(float)
        T = target.astype(float)
        iu, ju = np.nonzero(np.triu(B, 1))
        it, jt = np.nonzero(np.triu(T, 1))
        ks = [
            ks_2samp(T.sum(1), B.sum(1)).statistic,
            ks_2samp(bct.clustering_coef_bu(T), bct.clustering_coef_bu(B)).statistic,
            ks_2samp(bct.betweenness_bin(T), bct.betweenness_bin(B)).statistic,
            ks_2samp(GRID[it, jt], GRID[iu, ju]).statistic,
        ]
        E = gnm.energy(stats, edges)
        np.testing.assert_allclose(E, [max(ks)] + ks, rtol=0, atol=1e-15)
        assert gnm.energy(target, B, GRID) == E  # adjacency input, statistics computed on the fly
        np.testing.assert_allclose(E, ref.energy_reference(target, B, GRID), rtol=0, atol=1e-15)
    assert gnm.energy(stats, target)[0] == 0.0
    with pytest.raises(ValueError, match="repeated edge"):
        gnm.energy(stats, np.array([[0, 1], [1, 0], [2, 3]]))
    with pytest.raises(ValueError, match="self-loop"):
        gnm.energy(stats, np.array([[0, 1], [2, 2]]))
    with pytest.raises(ValueError, match=r"outside \[0, 100\)"):
        gnm.energy(stats, np.array([[0, 100]]))
    with pytest.raises(ValueError, match="no edges"):
        gnm.energy(stats, np.zeros((0, 2), dtype=np.int64))
    # int64 edge lists take one compiled call; other integer types the general path: same numbers
    assert gnm.energy(stats, edges.astype(np.int32)) == gnm.energy(stats, edges) == E
    with pytest.raises(ValueError, match="repeated edge"):
        gnm.energy(stats, np.array([[0, 1], [1, 0]], dtype=np.int32))


# ---------------------------------------------------------------------------------------------
# search


def nearest(points, samples):
    return np.argmin(((samples[:, None, :] - points[None]) ** 2).sum(-1), axis=1)


def test_voronoi_cell_choice_follows_energy_power():
    pts = np.array([[0.1, 0.1], [0.8, 0.2], [0.5, 0.5], [0.2, 0.9], [0.9, 0.85]])
    E = np.array([0.1, 0.2, 0.4, 0.8, 0.3])
    rng = np.random.default_rng(0)
    for alpha in (0.5, 2.0):
        new = gnm.voronoi_select(pts, E, 20000, alpha, rng)
        assert new.shape == (20000, 2) and new.min() >= 0 and new.max() <= 1
        counts = np.bincount(nearest(pts, new), minlength=5)  # Voronoi cell = nearest point
        p = E**-alpha / np.sum(E**-alpha)
        assert chisquare(counts, 20000 * p).pvalue > 1e-3
        assert chisquare(counts, np.full(5, 4000.0)).pvalue < 1e-6  # not uniform: the test can fail
    # a cell far better than the rest gets (nearly) every draw
    new = gnm.voronoi_select(pts, np.array([1e-3, 1, 1, 1, 1]), 4000, 2.0, rng)
    assert np.all(nearest(pts, new) == 0)


def test_voronoi_guards_zero_energy_and_duplicates():
    rng = np.random.default_rng(1)
    pts = np.array([[0.2, 0.2], [0.2, 0.2], [0.7, 0.6], [0.4, 0.9], [0.0, 0.5]])
    new = gnm.voronoi_select(pts, np.array([0.5, 0.0, 0.3, 0.3, 0.4]), 300, 2.0, rng)
    assert np.all(np.isfinite(new)) and np.all(nearest(pts, new) == 0)  # E = 0 dominates


def test_voronoi_1d_follows_energy_power():
    x = np.array([0.1, 0.35, 0.6, 0.9])
    E = np.array([0.5, 0.1, 0.25, 0.2])
    new = gnm.voronoi_select_1d(x, E, 20000, 1.5, np.random.default_rng(2))
    assert new.min() >= 0 and new.max() <= 1
    counts = np.bincount(np.argmin(np.abs(new[:, None] - x[None]), axis=1), minlength=4)
    p = E**-1.5 / np.sum(E**-1.5)
    assert chisquare(counts, 20000 * p).pvalue > 1e-3


def test_search_levels_bounds_and_alpha_schedule():
    calls = []

    def evaluate(eta, gamma):
        calls.append((eta, gamma))
        e = 0.05 + 0.1 * abs(eta - 1.0) + 0.2 * abs(gamma + 0.5)  # best at (1, -0.5)
        return e, e, e / 2, e / 3, e / 4

    for rule in ("matching", "sptl"):
        calls.clear()
        res = gnm.search(
            evaluate,
            rule,
            levels=5,
            samples=200,
            pow=2.0,
            eta_bounds=(-3, 4),
            gamma_bounds=(-2, 1),
            rng=np.random.default_rng(0),
        )
        assert len(calls) == 1000 and np.array_equal(np.bincount(res["level"]), [0] + [200] * 5)
        assert res["eta"].min() >= -3 and res["eta"].max() <= 4
        assert res["gamma"].min() >= -2 and res["gamma"].max() <= 1
        np.testing.assert_array_equal(np.unique(res["alpha"]), [0, 0.5, 1, 1.5, 2])
        assert res["ks"].shape == (1000, 4)
        np.testing.assert_array_equal(res["eta"], [c[0] for c in calls])
        # refinement: later levels concentrate near the optimum
        lvl1, lvl5 = res["level"] == 1, res["level"] == 5
        assert np.median(np.abs(res["eta"][lvl5] - 1)) < np.median(np.abs(res["eta"][lvl1] - 1))
        if rule == "sptl":
            assert np.all(res["gamma"] == 0)
        else:
            assert np.median(np.abs(res["gamma"][lvl5] + 0.5)) < np.median(np.abs(res["gamma"][lvl1] + 0.5))


def test_fit_is_reproducible_and_rule_streams_independent():
    target = gnm.edges_to_adjacency(gnm.simulate(GRID, 300, "matching", -2.0, 0.4, seed=3), 100)
    a = gnm.fit(target, GRID, rules=["sptl", "matching", "deg-avg"], levels=2, samples=15, seed=9)
    b = gnm.fit(target, GRID, rules=["deg-avg"], levels=2, samples=15, seed=9)
    c = gnm.fit(target, GRID, rules=["sptl", "matching", "deg-avg"], levels=2, samples=15, seed=9)
    d = gnm.fit(target, GRID, rules=["deg-avg"], levels=2, samples=15, seed=10)
    for rule in a:
        for key in a[rule]:
            np.testing.assert_array_equal(a[rule][key], c[rule][key])
    for key in ("eta", "gamma", "energy", "ks"):
        np.testing.assert_array_equal(a["deg-avg"][key], b["deg-avg"][key])
    assert not np.array_equal(b["deg-avg"]["eta"], d["deg-avg"]["eta"])
    r = a["matching"]
    assert r["energy"][r["best_index"]] == r["energy"].min() == r["best_energy"]
    np.testing.assert_array_equal(r["ks"].max(axis=1), r["energy"])


@pytest.mark.parametrize(
    "rule,eta,gamma", [("matching", -2.0, 0.4), ("deg-avg", -1.0, 1.5), ("clu-avg", -2.0, -1.5)]
)
def test_planted_rule_is_recovered(rule, eta, gamma):
    """One rule per family (neighbors and matching, both homophily rules, fit each other's networks
    about equally well, so only one of them competes)."""
    target = gnm.edges_to_adjacency(gnm.simulate(GRID, 495, rule, eta, gamma, seed=11), 100)
    rules = ["sptl", "matching", "clu-avg", "deg-avg"]
    res = gnm.fit(target, GRID, rules=rules, levels=4, samples=60, seed=0)
    best = min(rules, key=lambda r: res[r]["best_energy"])
    assert best == rule, {r: res[r]["best_energy"] for r in rules}
    assert abs(res[rule]["best_eta"] - eta) < 1.5 and abs(res[rule]["best_gamma"] - gamma) < 1.0


def test_authors_target():
    W = np.random.default_rng(0).normal(size=(30, 30))
    A = gnm.authors_target(W, 0.1)
    a = np.abs(W)
    np.fill_diagonal(a, 0)
    k = round(0.1 * 30 * 29)
    thr = np.sort(a[~np.eye(30, dtype=bool)])[::-1][k - 1]
    expected = (a >= thr).astype(np.uint8)
    expected |= expected.T
    np.testing.assert_array_equal(A, expected)
    m = A.sum() // 2
    assert k / 2 <= m <= k


def test_fit_marks_overflowing_simulations_as_worst():
    target = gnm.edges_to_adjacency(gnm.simulate(GRID, 400, "deg-avg", -1.0, 1.0, seed=0), 100)
    res = gnm.fit(
        target,
        GRID,
        rules=["deg-prod"],
        levels=2,
        samples=5,
        gamma_bounds=(40, 50),
        modelvar=("powerlaw", "exponential"),
        seed=0,
    )["deg-prod"]
    assert np.all(res["energy"] == 1.0) and np.all(np.isnan(res["ks"]))


def test_fit_numbers_do_not_depend_on_threads():
    target = gnm.edges_to_adjacency(gnm.simulate(GRID, 200, "clu-avg", -2.0, 0.4, seed=2), 100)
    rules = ["sptl", "neighbors", "clu-min", "clu-prod", "deg-diff"]
    one = gnm.fit(target, GRID, rules=rules, levels=2, samples=6, seed=4)
    three = gnm.fit(target, GRID, rules=rules, levels=2, samples=6, seed=4, threads=3)
    assert list(three) == rules
    for rule in rules:
        for key in one[rule]:
            np.testing.assert_array_equal(one[rule][key], three[rule][key])
    with pytest.raises(ValueError, match="threads >= 1"):
        gnm.fit(target, GRID, rules=rules, levels=1, samples=2, seed=4, threads=0)


@pytest.mark.parametrize("rule", ["sptl", "matching", "clu-max", "deg-avg"])
def test_simulate_energy_is_energy_of_simulate(rule):
    target = gnm.edges_to_adjacency(gnm.simulate(GRID, 250, "matching", -2.0, 0.4, seed=5), 100)
    stats = gnm.target_statistics(target, GRID)
    for s, (eta, gamma) in enumerate(PARAMS[:3]):
        expected = gnm.energy(stats, gnm.simulate(GRID, 250, rule, eta, gamma, seed=s))
        assert gnm.simulate_energy(stats, rule, eta, gamma, seed=s) == expected
        u = np.random.default_rng(s).random(250)
        assert gnm.simulate_energy(stats, rule, eta, gamma, uniforms=u) == expected
    overflow = gnm.simulate_energy(stats, "deg-prod", 0.0, 50.0, seed=0, modelvar=("powerlaw", "exponential"))
    assert overflow[0] == 1.0 and np.all(np.isnan(overflow[1:]))
    with pytest.raises(ValueError, match="uniforms must be"):
        gnm.simulate_energy(stats, rule, -1.0, 0.5, uniforms=np.zeros(3))
