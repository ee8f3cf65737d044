"""Tests of sernn.function: explained variance, mixed selectivity, spatial clustering, decoding, energy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sernn import function as F

N_TRIALS, N_STEPS, N_UNITS = 640, 50, 100
GOAL_UNITS = np.arange(0, 20)  # goal planted here, steps [0, 20)
CHOICE_UNITS = np.arange(20, 40)  # choice options planted here, steps [30, 50)


def grid_coordinates() -> np.ndarray:
    """The project's 5 x 5 x 4 integer grid, x slowest: units 0-19 have x = 0, units 20-39 x = 1."""
    return np.array(list(itertools.product(range(5), range(5), range(4))), dtype=float)


def eta_squared_oracle(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Eta-squared of each column from scipy's one-way ANOVA F: eta2 = F(k-1) / (F(k-1) + n - k)."""
    groups = np.unique(labels)
    n, k = x.shape[0], groups.size
    out = np.empty(x.shape[1])
    for j in range(x.shape[1]):
        f = stats.f_oneway(*[x[labels == g, j] for g in groups]).statistic
        out[j] = f * (k - 1) / (f * (k - 1) + n - k)
    return out


@pytest.fixture(scope="module")
def planted():
    """Synthetic ReLU activity: goal tuning in GOAL_UNITS during the goal period, choice-option tuning in
    CHOICE_UNITS during the choice period, independent noise per step everywhere; correct_choice is an
    independent random label that nothing codes."""
    rng = np.random.default_rng(1234)
    goal = rng.integers(0, 4, N_TRIALS)
    choice = rng.integers(0, 4, N_TRIALS)
    correct = rng.integers(0, 4, N_TRIALS)
    tuning_goal = rng.normal(0.0, 0.8, (4, GOAL_UNITS.size))
    tuning_choice = rng.normal(0.0, 0.8, (4, CHOICE_UNITS.size))
    drive = np.full((N_TRIALS, N_STEPS, N_UNITS), 1.0)
    drive[:, :20, GOAL_UNITS] += tuning_goal[goal][:, None, :]
    drive[:, 30:, CHOICE_UNITS] += tuning_choice[choice][:, None, :]
    drive += rng.normal(0.0, 0.5, drive.shape)
    activity = np.maximum(drive, 0.0).astype(np.float32)
    return {"activity": activity, "goal": goal, "choice": choice, "correct": correct}


# --------------------------------------------------------------------------------------------------
# windows
# --------------------------------------------------------------------------------------------------


def test_default_windows_layout():
    w = F.default_windows(20, 10, 20, sliding_width=5, sliding_step=5)
    assert list(w)[:3] == ["goal", "delay", "choice"]
    assert w["goal"] == (0, 20) and w["delay"] == (20, 30) and w["choice"] == (30, 50)
    sliding = [v for k, v in w.items() if k.startswith("slide_")]
    assert sliding == [(s, s + 5) for s in range(0, 50, 5)]
    assert "delay" not in F.default_windows(20, 0, 20)
    assert list(F.default_windows(20, 10, 20, sliding_width=None)) == ["goal", "delay", "choice"]
    # overlapping windows, only those that fit
    w2 = F.default_windows(4, 2, 4, sliding_width=4, sliding_step=3)
    assert [v for k, v in w2.items() if k.startswith("slide_")] == [(0, 4), (3, 7), (6, 10)]
    with pytest.raises(ValueError, match="goal_steps"):
        F.default_windows(0, 10, 20)


def test_window_activity_is_mean_over_steps():
    rng = np.random.default_rng(0)
    a = rng.random((6, 9, 3))
    out = F.window_activity(a, {"x": (2, 5), "y": (0, 9), "z": (8, 9)})
    assert out.shape == (6, 3, 3)
    np.testing.assert_allclose(out[:, 0], a[:, 2:5].mean(axis=1))
    np.testing.assert_allclose(out[:, 1], a.mean(axis=1))
    np.testing.assert_allclose(out[:, 2], a[:, 8])
    for bad in ({"e": (3, 3)}, {"o": (0, 10)}, {"n": (-1, 2)}):
        with pytest.raises(ValueError, match="window"):
            F.window_activity(a, bad)


# --------------------------------------------------------------------------------------------------
# explained variance
# --------------------------------------------------------------------------------------------------


def test_explained_variance_matches_scipy_anova():
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 6, 300)
    x = rng.normal(size=(300, 12)) + 0.5 * rng.normal(size=(6, 12))[labels]
    ev = F.explained_variance(x, labels)
    np.testing.assert_allclose(ev, eta_squared_oracle(x, labels), rtol=1e-10, atol=1e-12)
    # hand computation for one column
    col = x[:, 3]
    ssb = sum((labels == g).sum() * (col[labels == g].mean() - col.mean()) ** 2 for g in np.unique(labels))
    assert math.isclose(ev[3], ssb / ((col - col.mean()) ** 2).sum(), rel_tol=1e-12)


def test_explained_variance_properties_and_edge_cases():
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 4, 200)
    x = rng.random((200, 5)) + labels[:, None] * np.array([0, 0.1, 0.5, 1.0, 2.0])
    ev = F.explained_variance(x, labels)
    assert np.all((ev >= 0) & (ev <= 1))
    assert np.all(np.diff(ev[1:]) > 0)  # stronger tuning -> more EV
    # invariant to renaming the categories and to affine changes of each unit's scale
    renamed = np.array([17, -3, 99, 4])[labels]
    np.testing.assert_allclose(F.explained_variance(x, renamed), ev, rtol=1e-10)
    np.testing.assert_allclose(F.explained_variance(-3.0 * x + 7.0, labels), ev, rtol=1e-9)
    # trailing shape kept
    assert F.explained_variance(rng.random((200, 3, 4)), labels).shape == (3, 4)
    # constant units (silent ReLU, constant rate with round-off in the mean) -> 0
    const = np.column_stack([np.zeros(200), np.full(200, 0.1), x[:, 3]])
    ev_c = F.explained_variance(const, labels)
    assert ev_c[0] == 0.0 and ev_c[1] == 0.0 and ev_c[2] > 0.5
    # a single category explains nothing; a label that is the unit itself explains all
    assert np.all(F.explained_variance(x, np.zeros(200, int)) == 0.0)
    assert math.isclose(F.explained_variance(labels.astype(float), labels)[()], 1.0)
    with pytest.raises(ValueError, match="labels"):
        F.explained_variance(x, labels[:-1])


def test_planted_selectivity_recovered_by_ev(planted):
    a = planted["activity"]
    windows = F.default_windows()
    labels = {"goal": planted["goal"], "choice": planted["choice"], "correct": planted["correct"]}
    ev = F.window_explained_variance(a, labels, windows)
    names = list(windows)
    assert set(ev) == {"goal", "choice", "correct"}
    assert all(v.shape == (len(windows), N_UNITS) for v in ev.values())
    gw, dw, cw = names.index("goal"), names.index("delay"), names.index("choice")
    others_goal = np.setdiff1d(np.arange(N_UNITS), GOAL_UNITS)
    others_choice = np.setdiff1d(np.arange(N_UNITS), CHOICE_UNITS)

    assert ev["goal"][gw, GOAL_UNITS].min() > 0.3
    assert ev["goal"][gw, others_goal].max() < 0.05
    assert ev["choice"][cw, CHOICE_UNITS].min() > 0.3
    assert ev["choice"][cw, others_choice].max() < 0.05
    # nothing planted in the delay, no goal coding in the choice period, nothing codes `correct`
    assert ev["goal"][dw].max() < 0.05 and ev["choice"][dw].max() < 0.05
    assert ev["goal"][cw].max() < 0.05
    assert ev["correct"].max() < 0.05
    # null EV is about (k - 1) / (n - 1)
    assert abs(ev["correct"][gw].mean() - 3 / (N_TRIALS - 1)) < 0.003

    # oracle: scipy's ANOVA on the window means
    xw = a[:, 30:50].astype(np.float64).mean(axis=1)
    np.testing.assert_allclose(
        ev["choice"][cw], eta_squared_oracle(xw, planted["choice"]), rtol=1e-8, atol=1e-12
    )


# --------------------------------------------------------------------------------------------------
# mixed selectivity and unit labels
# --------------------------------------------------------------------------------------------------


def test_mixed_selectivity_matches_pearsonr():
    rng = np.random.default_rng(7)
    g = rng.random(100)
    c = 0.4 * g + rng.random(100)
    assert math.isclose(F.mixed_selectivity(g, c), stats.pearsonr(g, c).statistic, rel_tol=1e-12)
    assert math.isclose(F.mixed_selectivity(g, -c), -stats.pearsonr(g, c).statistic, rel_tol=1e-12)
    assert math.isclose(F.mixed_selectivity(g, 3 * g + 1), 1.0)
    # non-finite pairs dropped
    g2, c2 = g.copy(), c.copy()
    g2[[3, 50]] = np.nan
    c2[7] = np.inf
    keep = np.isfinite(g2) & np.isfinite(c2)
    assert math.isclose(
        F.mixed_selectivity(g2, c2), stats.pearsonr(g[keep], c[keep]).statistic, rel_tol=1e-12
    )


def test_mixed_selectivity_edge_cases():
    rng = np.random.default_rng(8)
    assert math.isnan(F.mixed_selectivity(np.zeros(10), rng.random(10)))
    assert math.isnan(F.mixed_selectivity(rng.random(10), np.full(10, 0.1)))
    assert math.isnan(F.mixed_selectivity([0.3], [0.2]))
    assert math.isnan(F.mixed_selectivity([], []))
    assert math.isnan(F.mixed_selectivity([0.1, np.nan, 0.3], [np.nan, 0.2, 0.5]))  # one pair left
    with pytest.raises(ValueError, match="same length"):
        F.mixed_selectivity(np.ones(3), np.ones(4))


def test_label_units_rule():
    ev_goal = np.array([0.50, 0.05, 0.30, 0.20, 0.20, np.nan, 0.15, 0.00])
    ev_choice = np.array([0.10, 0.40, 0.35, 0.20, 0.05, 0.50, 0.09, 0.00])
    goal, choice = F.label_units(ev_goal, ev_choice, threshold=0.1)
    np.testing.assert_array_equal(goal, [True, False, False, False, True, False, True, False])
    np.testing.assert_array_equal(choice, [False, True, True, False, False, False, False, False])
    assert not np.any(goal & choice)
    goal_hi, _ = F.label_units(ev_goal, ev_choice, threshold=0.25)
    np.testing.assert_array_equal(goal_hi, [True] + [False] * 7)


# --------------------------------------------------------------------------------------------------
# spatial clustering
# --------------------------------------------------------------------------------------------------


def group_distance(mask: np.ndarray, coords: np.ndarray) -> float:
    """Mean Euclidean distance over the unordered pairs of the group (scipy's pdist)."""
    from scipy.spatial.distance import pdist

    return float(pdist(coords[mask]).mean())


def exact_cluster_null(mask: np.ndarray, coords: np.ndarray) -> tuple[float, float]:
    """Exact null of a group's mean pairwise distance over all same-size unit sets (enumerated):
    (P(random set's distance <= observed), SD of the random sets' distances)."""
    k, n = int(mask.sum()), mask.size
    null = np.array(
        [group_distance(np.isin(np.arange(n), c), coords) for c in itertools.combinations(range(n), k)]
    )
    return float(np.mean(null <= group_distance(mask, coords) + 1e-12)), float(null.std())


def monte_carlo_cluster_p(mask: np.ndarray, coords: np.ndarray, draws: int = 20000, seed: int = 777) -> float:
    """P(a random same-size unit set is at least as clustered), estimated from ``draws`` sets drawn in
    the test with its own generator (rng.choice without replacement, not the code's sampler)."""
    from scipy.spatial.distance import pdist, squareform

    rng = np.random.default_rng(seed)
    k, n = int(mask.sum()), mask.size
    dist = squareform(pdist(coords))
    obs = group_distance(mask, coords)
    hits = 0
    for _ in range(draws):
        idx = rng.choice(n, k, replace=False)
        hits += dist[np.ix_(idx, idx)].sum() / (k * (k - 1)) <= obs + 1e-10 * obs
    return hits / draws


def assert_p_agrees(p_code: float, n_perm: int, p_oracle: float, draws: int = 20000) -> None:
    """The code's p = (1 + #{null <= obs}) / (1 + n_perm) against a Monte Carlo estimate: within 4.5
    binomial SDs of the two estimates (plus the 1 / (1 + n_perm) of the "+1")."""
    q = min(max(p_oracle, 1 / draws), 1 - 1 / draws)
    sd = math.sqrt(q * (1 - q) / n_perm + q * (1 - q) / draws)
    assert abs(p_code - p_oracle) <= 4.5 * sd + 1 / (1 + n_perm), (p_code, p_oracle, sd)


def test_spatial_clustering_p_against_exact_enumeration_and_monte_carlo():
    rng = np.random.default_rng(31)
    coords = rng.normal(size=(9, 3))
    for trial in range(4):  # tiny case: exact enumeration of the C(9, 4) = 126 sets
        mask = np.zeros(9, bool)
        mask[rng.choice(9, 4, replace=False)] = True
        res = F.spatial_clustering(mask, coords, n_perm=20000, seed=trial)
        p_exact, sd_exact = exact_cluster_null(mask, coords)
        assert_p_agrees(res.p, 20000, p_exact, draws=10**9)
        assert abs(res.distance - group_distance(mask, coords)) < 1e-12
        assert abs(res.null_std - sd_exact) < 0.03 * sd_exact
    grid = grid_coordinates()  # the project's grid: groups from clustered to spread out
    groups = [np.arange(100) < 12, (grid[:, 0] == 0) | (grid[:, 0] == 4), rng.permutation(100) < 20]
    ps = []
    for mask in groups:
        res = F.spatial_clustering(mask, grid, n_perm=20000, seed=5)
        p_mc = monte_carlo_cluster_p(mask, grid)
        assert_p_agrees(res.p, 20000, p_mc)
        ps.append(p_mc)
    assert ps[0] < 0.01 and ps[1] > 0.99  # the oracle sees the groups as built


def test_spatial_clustering_known_values():
    coords = np.array([[0.0, 0, 0], [1, 0, 0], [3, 0, 0], [0, 4, 0], [0, 0, 12]])
    mask = np.array([True, True, True, False, False])
    res = F.spatial_clustering(mask, coords, n_perm=200, seed=1)
    assert res.n == 3
    assert math.isclose(res.distance, (1 + 3 + 2) / 3)
    # the null's mean is (in expectation) the mean distance over all pairs of units
    d = np.array([np.linalg.norm(coords[i] - coords[j]) for i, j in itertools.combinations(range(5), 2)])
    big = F.spatial_clustering(mask, coords, n_perm=20000, seed=2)
    assert abs(big.null_mean - d.mean()) < 0.05
    # p against exact enumeration of the 10 three-unit sets: any set with unit 3 or 4 has two
    # distances >= 4 (mean > 2), so the group itself is the only one this close
    p_exact, sd_exact = exact_cluster_null(mask, coords)
    assert p_exact == 0.1
    assert abs(big.p - p_exact) < 4 * math.sqrt(p_exact * (1 - p_exact) / 20000) + 1 / 20001
    assert abs(big.null_std - sd_exact) < 0.02 * sd_exact
    # the whole set of units: every random set is the same set
    all_in = F.spatial_clustering(np.ones(5, bool), coords, n_perm=50, seed=0)
    assert all_in.p == 1.0 and math.isnan(all_in.z)
    # determinism
    assert F.spatial_clustering(mask, coords, 300, seed=9) == F.spatial_clustering(mask, coords, 300, seed=9)


def test_pairwise_distances_equal_scipy_bit_for_bit():
    from scipy.spatial.distance import pdist, squareform

    rng = np.random.default_rng(5)
    for d in (1, 2, 3, 8, 13):  # from 8 coordinates on, numpy's pairwise sum would round differently
        x = rng.normal(size=(40, d)) * 7.3 + 100.0
        got = F.pairwise_distances(x)
        assert got.tobytes() == squareform(pdist(x)).tobytes(), d
    np.testing.assert_array_equal(
        F.pairwise_distances(grid_coordinates())[0, [1, 2, 4, 20]], [1.0, 2.0, 1.0, 1.0]
    )


def test_spatial_clustering_small_groups_are_nan():
    coords = grid_coordinates()
    for k in (0, 1):
        mask = np.zeros(N_UNITS, bool)
        mask[:k] = True
        res = F.spatial_clustering(mask, coords, n_perm=100, seed=0)
        assert res.n == k
        assert all(math.isnan(v) for v in (res.distance, res.null_mean, res.null_std, res.z, res.p))
    with pytest.raises(TypeError, match="boolean"):
        F.spatial_clustering(np.zeros(N_UNITS, int), coords)
    with pytest.raises(ValueError, match="agree"):
        F.spatial_clustering(np.zeros(10, bool), coords)


def test_spatial_clustering_p_uniform_without_structure():
    coords = grid_coordinates()
    rng = np.random.default_rng(2024)
    pvals = []
    for _ in range(200):
        k = int(rng.integers(5, 50))
        mask = np.zeros(N_UNITS, bool)
        mask[rng.choice(N_UNITS, k, replace=False)] = True
        pvals.append(F.spatial_clustering(mask, coords, n_perm=1000, seed=rng).p)
    pvals = np.array(pvals)
    assert stats.kstest(pvals, "uniform").pvalue > 0.01
    assert 0.4 < pvals.mean() < 0.6


def test_spatial_clustering_detects_planted_corner():
    coords = grid_coordinates()
    corner = (coords[:, 0] <= 1) & (coords[:, 1] <= 1) & (coords[:, 2] <= 1)  # 2 x 2 x 2 corner, 8 units
    res = F.spatial_clustering(corner, coords, n_perm=1000, seed=3)
    assert res.n == 8
    assert res.p < 0.01
    assert res.z < -3
    assert res.distance < res.null_mean
    # a spread-out group (the 8 grid corners) is not "clustered"
    extremes = np.isin(coords[:, 0], [0, 4]) & np.isin(coords[:, 1], [0, 4]) & np.isin(coords[:, 2], [0, 3])
    assert F.spatial_clustering(extremes, coords, n_perm=1000, seed=3).p > 0.5


# --------------------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------------------


def test_planted_labels_decoded_where_planted(planted):
    a = planted["activity"]
    acc_goal = F.decoding_accuracy(a, planted["goal"], n_folds=5, seed=0)
    acc_choice = F.decoding_accuracy(a, planted["choice"], n_folds=5, seed=0)
    acc_correct = F.decoding_accuracy(a, planted["correct"], n_folds=5, seed=0)
    assert acc_goal.shape == (N_STEPS,) and acc_goal.dtype == np.float64
    # planted: well above chance
    assert acc_goal[:20].min() > 0.8
    assert acc_choice[30:].min() > 0.8
    # elsewhere and for the unplanted label: near chance (0.25)
    for chance_part in (acc_goal[20:], acc_choice[:30], acc_correct):
        assert 0.2 < chance_part.mean() < 0.3
        assert chance_part.max() < 0.36


def test_decoding_properties():
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 3, 150)
    a = rng.random((150, 4, 8)) + 0.7 * labels[:, None, None] * (np.arange(8) < 2)
    acc = F.decoding_accuracy(a, labels, n_folds=4, seed=5)
    np.testing.assert_array_equal(acc, F.decoding_accuracy(a, labels, n_folds=4, seed=5))  # seeded
    assert np.all(acc * 150 == np.round(acc * 150))  # counts of trials
    # features standardised per unit: a positive per-unit affine rescaling changes nothing
    scale = rng.uniform(0.01, 100.0, 8)
    shift = rng.uniform(-50, 50, 8)
    np.testing.assert_allclose(
        F.decoding_accuracy(a * scale + shift, labels, n_folds=4, seed=5), acc, atol=2 / 150
    )
    # silent and constant units do not break it
    a2 = a.copy()
    a2[..., 5] = 0.0
    a2[..., 6] = 3.3
    assert np.all(np.isfinite(F.decoding_accuracy(a2, labels, n_folds=4, seed=5)))
    # a perfectly coded label is decoded perfectly
    perfect = np.eye(3)[labels][:, None, :].repeat(2, axis=1)
    np.testing.assert_array_equal(F.decoding_accuracy(perfect, labels, n_folds=5, seed=0), [1.0, 1.0])
    with pytest.raises(ValueError, match="n_folds"):
        F.decoding_accuracy(a, labels, n_folds=1)
    with pytest.raises(ValueError, match="single category"):
        F.decoding_accuracy(a, np.zeros(150, int))


def ridge_decoder_oracle(activity, labels, fold, ridge):
    """A plain per-fold ridge classifier: for each fold and time step, standardise each unit with the
    training trials' mean and SD (a unit constant in training is dropped), solve the ridge normal
    equations for one-hot targets on [1, z] with the intercept unpenalised, predict the argmax.
    Returns (predicted labels (n_steps, n_trials), margin between the two best scores (same shape))."""
    x = np.asarray(activity, dtype=np.float64)
    n_trials, n_steps, _ = x.shape
    classes = np.unique(labels)
    targets = (labels[:, None] == classes[None, :]).astype(np.float64)
    pred = np.empty((n_steps, n_trials), dtype=classes.dtype)
    margin = np.empty((n_steps, n_trials))
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        for t in range(n_steps):
            xtr, xte = x[train, t], x[test, t]
            mu, sd = xtr.mean(axis=0), xtr.std(axis=0)
            keep = sd > 1e-9 * (1 + np.abs(xtr).max(axis=0))
            design = np.column_stack([np.ones(train.sum()), (xtr[:, keep] - mu[keep]) / sd[keep]])
            penalty = ridge * np.eye(design.shape[1])
            penalty[0, 0] = 0.0
            coef = np.linalg.solve(design.T @ design + penalty, design.T @ targets[train])
            scores = np.column_stack([np.ones(test.sum()), (xte[:, keep] - mu[keep]) / sd[keep]]) @ coef
            pred[t, test] = classes[scores.argmax(axis=1)]
            top2 = np.sort(scores, axis=1)[:, -2:]
            margin[t, test] = top2[:, 1] - top2[:, 0]
    return pred, margin


def assert_predictions_agree(pred, oracle, margin, labels, accuracy=None):
    """Prediction by prediction; a disagreement is allowed only at a near-tie of the oracle's two best
    scores (round-off may break it either way). accuracy, if given, must be the agreeing fraction."""
    differ = pred != oracle
    assert not np.any(differ & (margin > 1e-9)), np.argwhere(differ & (margin > 1e-9))[:5]
    assert differ.mean() < 1e-3
    if accuracy is not None:
        expected = (oracle == labels[None, :]).mean(axis=1)
        np.testing.assert_allclose(accuracy, expected, rtol=0, atol=differ.sum(axis=1).max() / labels.size)
        if not differ.any():
            assert accuracy.tobytes() == expected.tobytes()


def decoding_cases():
    planted_like = np.random.default_rng(21)
    n = 400
    lab = planted_like.integers(0, 4, n)
    a = planted_like.normal(size=(n, 6, 30)) + 0.6 * planted_like.normal(size=(4, 30))[lab][:, None, :]
    a = np.maximum(a, 0)
    small = np.random.default_rng(11)
    lab3 = np.repeat([5, -2, 9], [80, 50, 20])  # unbalanced, arbitrary label values
    b = small.random((150, 4, 8)) + 0.7 * (lab3 == 9)[:, None, None] * (np.arange(8) < 2)
    b[..., 5] = 0.0  # silent unit
    b[..., 6] = 3.3  # constant unit
    # 30 training trials, many steps, a penalty of the order of the Gram eigenvalues: enough
    # predictions hinge on the exact standardisation (SD over n, not n - 1) and penalty
    few = np.random.default_rng(3)
    lab_few = np.tile([0, 1, 2], 20)
    c = few.normal(size=(60, 40, 20)) + 0.3 * few.normal(size=(3, 20))[lab_few][:, None, :]
    return [
        (a, lab, 5, 0, 1.0),
        (a, lab, 3, 4, 0.1),
        (b, lab3, 4, 5, 1.0),
        (b, lab3, 7, 1, 25.0),
        (b[..., :5], lab3, 5, 2, 0.0),
        (c, lab_few, 2, 3, 5.0),
    ]


@pytest.mark.parametrize("case", range(6))
def test_decoding_equals_a_plain_ridge_classifier_prediction_by_prediction(case):
    activity, labels, n_folds, seed, ridge = decoding_cases()[case]
    pred, fold = F.decoding_predictions(activity, labels, n_folds=n_folds, seed=seed, ridge=ridge)
    assert pred.shape == (activity.shape[1], labels.size) and fold.shape == labels.shape
    # the folds are a stratified partition: every class spread over the folds within one trial
    assert set(np.unique(fold)) == set(range(n_folds))
    for c in np.unique(labels):
        counts = np.bincount(fold[labels == c], minlength=n_folds)
        assert counts.max() - counts.min() <= 1
    oracle, margin = ridge_decoder_oracle(activity, labels, fold, ridge)
    acc = F.decoding_accuracy(activity, labels, n_folds=n_folds, seed=seed, ridge=ridge)
    assert_predictions_agree(pred, oracle, margin, labels, acc)


def test_stratified_folds_balanced():
    rng = np.random.default_rng(0)
    codes = np.repeat([0, 1, 2, 3], [100, 60, 37, 3])
    fold = F._stratified_folds(codes, 5, rng)
    for c in range(4):
        counts = np.bincount(fold[codes == c], minlength=5)
        assert counts.max() - counts.min() <= 1
    sizes = np.bincount(fold, minlength=5)
    assert sizes.max() - sizes.min() <= 1


# --------------------------------------------------------------------------------------------------
# energy
# --------------------------------------------------------------------------------------------------


def test_energy_hand_computed():
    a = np.zeros((2, 3, 2))
    a[0, 0, 0] = 6.0
    a[1, 2, 1] = -6.0
    assert F.energy(a) == 12.0 / 12
    np.testing.assert_allclose(F.unit_energy(a), [1.0, 1.0])
    a[1, 1, 1] = 3.0
    np.testing.assert_allclose(F.unit_energy(a), [1.0, 1.5])
    assert math.isclose(F.energy(a), 15.0 / 12)


# --------------------------------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------------------------------


def test_function_summary_on_random_activity_is_complete_and_deterministic():
    rng = np.random.default_rng(99)
    a = np.maximum(rng.normal(size=(N_TRIALS, N_STEPS, N_UNITS)), 0).astype(np.float32)
    goal = rng.integers(0, 4, N_TRIALS)
    choice = rng.integers(0, 6, N_TRIALS)
    correct = rng.integers(0, 4, N_TRIALS)
    windows = F.default_windows()
    kwargs = dict(n_perm=2000, seed=3, ev_threshold=0.005)
    s1, f1 = F.function_summary(a, goal, choice, correct, grid_coordinates(), windows, **kwargs)
    s2, f2 = F.function_summary(a, goal, choice, correct, grid_coordinates(), windows, **kwargs)

    assert tuple(s1) == F.FUNCTION_COLUMNS
    assert all(isinstance(v, float) for v in s1.values())
    assert s1.keys() == s2.keys()
    for key in F.FUNCTION_COLUMNS:
        assert s1[key] == s2[key] or (math.isnan(s1[key]) and math.isnan(s2[key])), key
    pd.testing.assert_frame_equal(f1, f2)

    assert tuple(f1.columns) == F.FRAME_COLUMNS
    assert len(f1) == len(windows) + N_STEPS
    assert list(f1["window"][: len(windows)]) == list(windows)
    assert list(f1["window"][len(windows) :]) == [f"step_{t}" for t in range(N_STEPS)]
    assert set(f1["kind"]) == {"window", "step"}
    # no structure: chance-level decoding and null-level EV; the low threshold labels some units
    assert abs(s1["decoding_goal_mean"] - 0.25) < 0.05
    assert abs(s1["decoding_choice_mean"] - 1 / 6) < 0.05
    assert s1["ev_goal_mean"] < 0.02 and s1["ev_choice_mean"] < 0.02
    assert s1["n_goal_units"] >= 2 and s1["n_choice_units"] >= 2
    # the groups and their clustering p against oracles: scipy's ANOVA, the labelling rule, Monte Carlo
    goal_mask, choice_mask = units_oracle(a, goal, choice, (30, 50), threshold=0.005)
    for name, mask in (("goal", goal_mask), ("choice", choice_mask)):
        assert s1[f"n_{name}_units"] == mask.sum()
        assert s1[f"{name}_cluster_distance"] == pytest.approx(group_distance(mask, grid_coordinates()))
        assert_p_agrees(s1[f"{name}_cluster_p"], 2000, monte_carlo_cluster_p(mask, grid_coordinates()))
    assert math.isclose(s1["energy"], float(np.mean(a, dtype=np.float64)))
    # window rows agree with the step rows they average
    steps = f1[f1["kind"] == "step"].set_index("start")
    choice_row = f1[f1["window"] == "choice"].iloc[0]
    assert math.isclose(choice_row["decoding_goal"], steps.loc[30:49, "decoding_goal"].mean())
    assert math.isclose(s1["decoding_choice_mean"], choice_row["decoding_choice"])
    assert math.isclose(s1["mixed_selectivity"], choice_row["mixed_selectivity"])
    assert math.isclose(s1["ev_choice_mean"], choice_row["ev_choice_mean"])


def test_function_summary_on_planted_network(planted):
    coords = grid_coordinates()  # CHOICE_UNITS (20-39) form the x = 1 plane of the grid
    s, frame = F.function_summary(
        planted["activity"],
        planted["goal"],
        planted["choice"],
        planted["correct"],
        coords,
        None,
        n_perm=500,
        seed=0,
    )
    assert s["n_choice_units"] == CHOICE_UNITS.size  # labelled in the choice window
    assert s["n_goal_units"] < 5  # goal is not coded in the choice window
    assert s["choice_cluster_p"] < 0.01 and s["choice_cluster_z"] < -3
    assert s["decoding_goal_mean"] > 0.8 and s["decoding_choice_mean"] > 0.8
    assert s["ev_goal_mean"] > 0.05 and s["ev_choice_mean"] > 0.05
    assert s["ev_correct_mean"] < 0.02
    delay = frame[frame["window"] == "delay"].iloc[0]
    assert abs(delay["decoding_goal"] - 0.25) < 0.05


def test_function_summary_rejects_bad_input(planted):
    a, g, c, r = planted["activity"], planted["goal"], planted["choice"], planted["correct"]
    coords = grid_coordinates()
    with pytest.raises(ValueError, match="choice_window"):
        F.function_summary(a, g, c, r, coords, {"goal": (0, 20)})
    with pytest.raises(ValueError, match="coordinates"):
        F.function_summary(a, g, c, r, coords[:50], None)
    with pytest.raises(ValueError, match="goal"):
        F.function_summary(a, g[:10], c, r, coords, None)
    with pytest.raises(ValueError, match="clash"):
        F.function_summary(a, g, c, r, coords, {"goal": (0, 20), "choice": (30, 50), "step_3": (0, 5)})
    with pytest.raises(TypeError, match="seed"):
        F.function_summary(a, g, c, r, coords, None, seed=None)


def ev_oracle(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Eta-squared of every column of x (n_trials, ...) from scipy's one-way ANOVA F (vectorised over
    the columns); a column constant over trials explains nothing (0)."""
    flat = np.asarray(x, dtype=np.float64).reshape(x.shape[0], -1)
    groups = np.unique(labels)
    n, k = flat.shape[0], groups.size
    with np.errstate(divide="ignore", invalid="ignore"):
        f = stats.f_oneway(*[flat[labels == g] for g in groups], axis=0).statistic
    eta2 = f * (k - 1) / (f * (k - 1) + n - k)
    return np.where(np.ptp(flat, axis=0) == 0, 0.0, eta2).reshape(x.shape[1:])


def units_oracle(activity, goal, choice, window, threshold):
    """Goal- and choice-coding units by the documented rule, from oracle EVs of the window means."""
    xw = np.asarray(activity, dtype=np.float64)[:, window[0] : window[1]].mean(axis=1)
    ev_g, ev_c = ev_oracle(xw, goal), ev_oracle(xw, choice)
    return (ev_g > threshold) & (ev_g > ev_c), (ev_c > threshold) & (ev_c > ev_g)


def test_function_measures_against_independent_oracles(planted):
    """Every number of function_measures against a computation written here: scipy's ANOVA for EV,
    scipy's Pearson r, the plain ridge classifier (prediction by prediction, on the code's folds),
    pdist for the groups' distances and a Monte Carlo p."""
    a, g, c, r = (planted[k] for k in ("activity", "goal", "choice", "correct"))
    windows = F.default_windows()
    seed, n_perm = 17, 500
    scalars, rows = F.function_measures(a, g, c, r, grid_coordinates(), windows, n_perm=n_perm, seed=seed)
    assert [row["window"] for row in rows] == list(windows) + [f"step_{t}" for t in range(N_STEPS)]
    bounds = list(windows.values()) + [(t, t + 1) for t in range(N_STEPS)]
    assert [(row["start"], row["stop"]) for row in rows] == bounds

    # the folds seed: documented as spawned from `seed` (third of three SeedSequence children)
    dec_seed = int(np.random.SeedSequence(seed).spawn(3)[2].generate_state(1)[0])
    a64 = a.astype(np.float64)
    ev, acc, tie = {}, {}, {}
    for col, lab in (("goal", g), ("choice", c), ("correct", r)):
        pred, fold = F.decoding_predictions(a, lab, n_folds=5, seed=dec_seed)
        oracle, margin = ridge_decoder_oracle(a, lab, fold, 1.0)
        assert_predictions_agree(pred, oracle, margin, lab)
        acc[col] = (oracle == lab[None, :]).mean(axis=1)
        tie[col] = (margin <= 1e-9).mean(axis=1)  # near-ties round-off may break either way
        ev[col] = [ev_oracle(a64[:, s0:s1].mean(axis=1), lab) for s0, s1 in bounds]
    for i, (row, (s0, s1)) in enumerate(zip(rows, bounds)):
        for col in ("goal", "choice", "correct"):
            expected, slack = acc[col][s0:s1].mean(), tie[col][s0:s1].mean()
            assert abs(row[f"decoding_{col}"] - expected) <= slack + 1e-12, (row["window"], col)
            assert row[f"ev_{col}_mean"] == pytest.approx(ev[col][i].mean(), rel=1e-9), (row["window"], col)
        r_oracle = stats.pearsonr(ev["goal"][i], ev["choice"][i]).statistic
        assert row["mixed_selectivity"] == pytest.approx(r_oracle, rel=1e-9, abs=1e-12), row["window"]

    gi, ci = list(windows).index("goal"), list(windows).index("choice")
    assert scalars["energy"] == pytest.approx(np.abs(a64).mean(), rel=1e-12)
    assert scalars["ev_goal_mean"] == pytest.approx(ev["goal"][gi].mean(), rel=1e-9)
    assert scalars["ev_choice_mean"] == pytest.approx(ev["choice"][ci].mean(), rel=1e-9)
    assert scalars["ev_correct_mean"] == pytest.approx(ev["correct"][ci].mean(), rel=1e-9)
    assert scalars["mixed_selectivity"] == pytest.approx(stats.pearsonr(ev["goal"][ci], ev["choice"][ci])[0])
    for col, (s0, s1) in (("goal", windows["goal"]), ("choice", windows["choice"])):
        expected, slack = acc[col][s0:s1].mean(), tie[col][s0:s1].mean()
        assert abs(scalars[f"decoding_{col}_mean"] - expected) <= slack + 1e-12, col
    goal_mask, choice_mask = units_oracle(a, g, c, windows["choice"], threshold=0.1)
    for name, mask in (("goal", goal_mask), ("choice", choice_mask)):
        assert scalars[f"n_{name}_units"] == mask.sum()
        if mask.sum() < 2:
            assert math.isnan(scalars[f"{name}_cluster_p"])
            continue
        assert scalars[f"{name}_cluster_distance"] == pytest.approx(group_distance(mask, grid_coordinates()))
        assert_p_agrees(scalars[f"{name}_cluster_p"], n_perm, monte_carlo_cluster_p(mask, grid_coordinates()))
    assert choice_mask.sum() == CHOICE_UNITS.size


def test_analysis_modules_import_neither_pandas_nor_scipy_spatial_nor_networkx():
    """The per-network jobs (metrics, function) start faster without them (networkx is imported by
    Louvain only, pandas by function_summary's DataFrame only)."""
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src"
    code = (
        f"import sys; sys.path.insert(0, {str(src)!r}); import sernn.steps.function, "
        "sernn.steps.structure, sernn.metrics, sernn.function; print(sorted(m for m in "
        "('pandas', 'scipy.spatial', 'networkx', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_goal_at_step_reads_one_step():
    rng = np.random.default_rng(3)
    n, t, u = 200, 6, 12
    goal = rng.integers(0, 4, n)
    a = np.abs(rng.normal(size=(n, t, u)))
    a[np.arange(n), 4, goal] += 3.0  # the goal only at step 4: unit g is up for goal g
    at4 = F.goal_at_step(a, goal, 4, n_folds=4, seed=1)
    at2 = F.goal_at_step(a, goal, 2, n_folds=4, seed=1)
    assert at4["decoding_goal"] > 0.95 and at2["decoding_goal"] < 0.45
    assert at4["ev_goal"] == pytest.approx(F.explained_variance(a[:, 4], goal).mean())
    assert at4["decoding_goal"] == F.decoding_accuracy(a, goal, 4, 1)[4]
    with pytest.raises(ValueError, match="step must be an integer in"):
        F.goal_at_step(a, goal, 6)
