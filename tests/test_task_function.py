"""Functional measures grouped by a task's conditions (sernn.task_function), on hand-made activity."""

import numpy as np
import pytest

from sernn import task_function as tf_


def test_categorical_conditions_keep_groupings_and_say_why_others_are_left_out():
    conds = {
        "answer": np.array([1, 2, 1, 2, 3, 3.0]),
        "ground_truth": np.array([5, 7, 5, 7, 9, 9.0]),  # a relabelling of answer
        "coh": np.array([0.1, 0.1, 0.5, 0.5, 0.1, 0.5]),
        "anti": np.zeros(6),  # one value
        "theta": np.linspace(0, 1, 6),  # 6 values: fine at MAX_LEVELS 32
        "n_steps": np.array([10, 11, 10, 12, 10, 10.0]),  # bookkeeping
        "missing": np.array([1, np.nan, 1, 2, 2, 1]),
    }
    kept, notes = tf_.categorical_conditions(conds)
    assert list(kept) == ["answer", "coh", "theta"]
    np.testing.assert_array_equal(kept["answer"], [0, 1, 0, 1, 2, 2])
    text = " | ".join(notes)
    assert "ground_truth: the same grouping as answer" in text
    assert "anti: 1 distinct values" in text and "missing: not defined" in text
    assert "n_steps" not in text


def test_decision_means_average_each_trials_own_decision_steps():
    a = np.arange(2 * 4 * 3, dtype=float).reshape(2, 4, 3)
    dec = np.array([[0, 1, 1, 0], [0, 0, 0, 1]], bool)
    np.testing.assert_allclose(tf_.decision_means(a, dec), [(a[0, 1] + a[0, 2]) / 2, a[1, 3]])


def test_measures_on_activity_built_to_code_one_condition_per_unit():
    """Units 0-4 code condition a only, units 5-9 condition b only (plus noise), in the decision
    steps: EV and decoding high for both, mixed selectivity strongly negative, and the units sit in
    two spatial clusters."""
    rng = np.random.default_rng(0)
    n, t, u = 120, 6, 10
    a_cond, b_cond = rng.integers(0, 3, n), rng.integers(0, 2, n)
    act = rng.normal(0, 0.05, (n, t, u))
    dec = np.zeros((n, t), bool)
    dec[:, 4:] = True
    act[:, 4:, :5] += (a_cond[:, None] == np.arange(5) % 3)[:, None, :]  # unit j fires for a == j % 3
    act[:, 4:, 5:] += 2 * b_cond[:, None, None]
    mask = np.ones((n, t))
    mask[:, 5] = 0  # a padded step: left out of the energy
    coords = np.array([[i, 0, 0] for i in range(5)] + [[i + 20, 5, 0] for i in range(5)], float)
    out, notes = tf_.task_measures(
        act, mask, dec, {"a": a_cond.astype(float), "b": b_cond.astype(float)}, coords, n_perm=200, seed=1
    )
    assert out["energy"] == pytest.approx(np.abs(act[:, :5]).mean())
    x = act[:, 4:].mean(1)
    for name, cond in (("a", a_cond), ("b", b_cond)):  # eta squared by hand, mean over units
        ev = []
        for j in range(u):
            ss_b = sum((cond == k).sum() * (x[cond == k, j].mean() - x[:, j].mean()) ** 2 for k in set(cond))
            ev.append(ss_b / ((x[:, j] - x[:, j].mean()) ** 2).sum())
        assert out[f"ev_{name}_decision"] == pytest.approx(np.mean(ev), rel=1e-9)
    assert out["decoding_a_decision"] > 0.95 and out["decoding_b_decision"] > 0.95
    assert out["mixed_selectivity"] < -0.9
    assert out["cond_a_cluster_z"] < -2 and out["cond_b_cluster_z"] < -2
    assert any("a = a, b = b" in note for note in notes)


def test_one_condition_leaves_mixed_selectivity_empty_and_says_why():
    rng = np.random.default_rng(2)
    act = rng.random((30, 3, 4))
    dec = np.ones((30, 3), bool)
    out, notes = tf_.task_measures(
        act, np.ones((30, 3)), dec, {"answer": rng.integers(0, 2, 30).astype(float)}, rng.random((4, 3))
    )
    assert np.isnan(out["mixed_selectivity"]) and np.isnan(out["cond_a_cluster_z"])
    assert "ev_answer_decision" in out
    assert any("need two conditions, the task has 1 (answer)" in note for note in notes)
