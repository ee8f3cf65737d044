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
    np.testing.assert_allclose(ev["choice"][cw], eta_squared_oracle(xw, planted["choice"]), rtol=1e-8, atol=1e-12)


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
    assert math.isclose(F.mixed_selectivity(g2, c2), stats.pearsonr(g[keep], c[keep]).statistic, rel_tol=1e-12)


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
    assert 1 / 20001 <= big.p <= 1
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
    np.testing.assert_array_equal(F.pairwise_distances(grid_coordinates())[0, [1, 2, 4, 20]], [1.0, 2.0, 1.0, 1.0])


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
    assert np.all((acc >= 0) & (acc <= 1))
    assert np.all(acc * 150 == np.round(acc * 150))  # counts of trials
    # features standardised per unit: a positive per-unit affine rescaling changes nothing
    scale = rng.uniform(0.01, 100.0, 8)
    shift = rng.uniform(-50, 50, 8)
    np.testing.assert_allclose(F.decoding_accuracy(a * scale + shift, labels, n_folds=4, seed=5), acc, atol=2 / 150)
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
    kwargs = dict(n_perm=200, seed=3, ev_threshold=0.005)
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
    assert 0 < s1["goal_cluster_p"] <= 1 and 0 < s1["choice_cluster_p"] <= 1
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
        planted["activity"], planted["goal"], planted["choice"], planted["correct"], coords, None, n_perm=500, seed=0
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


def test_function_measures_equal_the_per_label_functions_bit_for_bit(planted):
    """function_measures shares the label-independent work between goal, choice and correct choice;
    every number must still be what the public one-label functions give."""
    a, g, c, r = (planted[k] for k in ("activity", "goal", "choice", "correct"))
    windows = F.default_windows()
    seed = 17
    scalars, rows = F.function_measures(a, g, c, r, grid_coordinates(), windows, n_perm=100, seed=seed)
    frame = pd.DataFrame.from_records(rows, columns=list(F.FRAME_COLUMNS))
    s2, f2 = F.function_summary(a, g, c, r, grid_coordinates(), windows, n_perm=100, seed=seed)
    assert scalars == s2 or all(scalars[k] == s2[k] or math.isnan(scalars[k]) for k in scalars)
    pd.testing.assert_frame_equal(frame, f2, check_exact=True)

    dec_seed = int(np.random.SeedSequence(seed).spawn(3)[2].generate_state(1)[0])
    steps = frame[frame["kind"] == "step"]
    wins = frame[frame["kind"] == "window"]
    xw = F.window_activity(a, windows)
    for col, lab in (("goal", g), ("choice", c), ("correct", r)):
        dec = F.decoding_accuracy(a, lab, n_folds=5, seed=dec_seed)
        assert steps[f"decoding_{col}"].to_numpy().tobytes() == dec.tobytes(), col
        ev_steps = F.explained_variance(a, lab).mean(axis=1)
        assert steps[f"ev_{col}_mean"].to_numpy().tobytes() == ev_steps.tobytes(), col
        ev_wins = F.explained_variance(xw, lab).mean(axis=1)
        assert wins[f"ev_{col}_mean"].to_numpy().tobytes() == ev_wins.tobytes(), col
    ev_w = F.window_explained_variance(a, {"goal": g}, windows)["goal"]
    assert ev_w.tobytes() == F.explained_variance(xw, g).tobytes()


def test_analysis_modules_import_neither_pandas_nor_scipy_spatial_nor_networkx():
    """The per-network jobs (metrics, function) start faster without them (networkx is imported by
    Louvain only, pandas by function_summary's DataFrame only)."""
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src"
    code = (f"import sys; sys.path.insert(0, {str(src)!r}); import sernn.pipeline, sernn.metrics, "
            "sernn.function; print(sorted(m for m in ('pandas', 'scipy.spatial', 'networkx', "
            "'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
