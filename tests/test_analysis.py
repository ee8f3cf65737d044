"""Population comparisons: effect sizes and tests against hand computations and scipy."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sernn import analysis


def test_cohens_d_by_hand():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
    # means 2 and 4, sample variances 1 and 4, pooled sd sqrt((2*1 + 2*4)/4) = sqrt(2.5)
    assert analysis.cohens_d(a, b) == pytest.approx(-2 / np.sqrt(2.5))
    assert np.isnan(analysis.cohens_d(a[:1], b))
    assert np.isnan(analysis.cohens_d(np.ones(3), np.ones(4)))


def test_welch_matches_scipy_by_hand_formula():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 20), rng.normal(0.5, 2, 30)
    t, p = analysis.welch(a, b)
    se = np.sqrt(a.var(ddof=1) / 20 + b.var(ddof=1) / 30)
    assert t == pytest.approx((a.mean() - b.mean()) / se)
    dof = se**4 / ((a.var(ddof=1) / 20) ** 2 / 19 + (b.var(ddof=1) / 30) ** 2 / 29)
    assert p == pytest.approx(2 * stats.t.sf(abs(t), dof))


def frame():
    rng = np.random.default_rng(1)
    rows = []
    for reg, shift in (("L1", 0.0), ("seRNN", 1.0)):
        for i in range(40):
            for epoch in (0, 9):
                rows.append(
                    {
                        "regulariser": reg,
                        "strength": i / 100,
                        "seed": 0,
                        "epoch": epoch,
                        "val_accuracy": 0.85 + 0.15 * (i % 10) / 9,
                        "diverged": False,
                        "modularity": shift + rng.normal(),
                        "n_edges": 495,
                    }
                )
    df = pd.DataFrame(rows)
    df["passes_accuracy_filter"] = df["val_accuracy"] >= 0.9
    return df


def test_compare_uses_only_filtered_networks_at_the_epoch():
    df = frame()
    table = analysis.compare(df, 9, [0.9, 0.95, 1.01], metrics=["modularity"])
    row = table[(table["accuracy_bin"] == "all")].iloc[0]
    assert (row["group_a"], row["group_b"]) == ("seRNN", "L1")  # seRNN listed first
    keep = df[(df["epoch"] == 9) & df["passes_accuracy_filter"]]
    a = keep.loc[keep["regulariser"] == "seRNN", "modularity"]
    b = keep.loc[keep["regulariser"] == "L1", "modularity"]
    assert row["n_a"] == len(a) == 28 and row["n_b"] == len(b)
    assert row["mean_a"] == pytest.approx(a.mean()) and row["sd_b"] == pytest.approx(b.std(ddof=1))
    assert row["cohens_d"] > 0.5 and row["p"] < 0.01
    bins = table.set_index("accuracy_bin")
    assert bins.loc["[0.9, 0.95)", "n_a"] + bins.loc["[0.95, 1.01)", "n_a"] == 28
    assert "n_edges" not in set(analysis.compare(df, 9)["metric"])


def test_strength_levels():
    assert analysis.strength_levels([0.3, 0.1, 0.2, 0.05, 0.4]) == [0.05, 0.2, 0.4]
    assert analysis.strength_levels([0.1, 0.2]) == [0.1, 0.2]


def test_compare_has_matched_weight_rows_for_every_metric_but_the_covariate():
    df = frame()
    rng = np.random.default_rng(2)
    df["total_weight"] = np.exp(rng.uniform(4, 6, len(df)))
    table = analysis.compare(df, 9, [0.9, 0.95, 1.01], metrics=["modularity", "total_weight"])
    assert set(table["matched"]) == {"none", "accuracy", "total_weight"}
    weight = table[table["matched"] == "total_weight"]
    assert list(weight["metric"]) == ["modularity"] and (weight["accuracy_bin"] == "all").all()
    row = weight.iloc[0]
    keep = df[(df["epoch"] == 9) & df["passes_accuracy_filter"]]
    fit = analysis.matched_weight_effect(
        *(
            keep.loc[keep["regulariser"] == r, c]
            for r in ("seRNN", "L1")
            for c in ("modularity", "total_weight")
        )
    )
    assert row["cohens_d"] == fit["cohens_d"] and row["n_a"] == fit["n_a"] and row["p"] == fit["p"]
    assert row["weight_lo"] <= row["weight_hi"]
    none = table[table["matched"] == "none"].set_index("metric")
    assert none.loc["modularity", "difference"] == pytest.approx(
        none.loc["modularity", "mean_a"] - none.loc["modularity", "mean_b"]
    )
    assert "total_weight" not in set(analysis.compare(df, 9, weight_degree=None)["matched"])


def test_common_support():
    assert analysis.common_support([1, 5, np.nan], [3, 9]) == (3.0, 5.0)
    assert all(np.isnan(analysis.common_support([1, 2], [3, 4])))
    assert all(np.isnan(analysis.common_support([], [3, 4])))
