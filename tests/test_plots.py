"""Tests of sernn.plots that need no workflow run (every figure of a run: test_workflow.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sernn import plots

ANALYSIS = {"epoch": 2, "accuracy_threshold": 0.9}


def summary_csv(path, rng: np.random.Generator):
    """A small summary table: two regularisers x three strengths x two seeds x three epochs, with
    panels whose y axes get offset texts (huge, tiny and nearly constant values)."""
    rows = []
    for reg, strengths in (("seRNN", (0.01, 0.1, 1.0)), ("L1", (0.001, 0.01, 0.1))):
        for s in strengths:
            for seed in (0, 1):
                for epoch in range(3):
                    rows.append(
                        {
                            "regulariser": reg,
                            "strength": s,
                            "seed": seed,
                            "epoch": epoch,
                            "val_accuracy": rng.uniform(0.8, 1.0),
                            "modularity": 1000 + 1e-4 * rng.random(),
                            "total_weight": 1e9 * rng.random(),
                            "clustering": 1e-8 * rng.random(),
                            "path_length": rng.normal(),
                        }
                    )
    df = pd.DataFrame(rows)
    df["passes_accuracy_filter"] = df["val_accuracy"] >= ANALYSIS["accuracy_threshold"]
    df.to_csv(path, index=False)
    return path


def test_fixed_title_height_draws_what_automatic_title_placement_draws(tmp_path, monkeypatch):
    csv = summary_csv(tmp_path / "summary.csv", np.random.default_rng(0))
    plots.against_strength(csv, tmp_path / "fixed.png", ANALYSIS, plots.STRUCTURE_PANELS, "S")
    plots.trajectories(csv, tmp_path / "fixed_t.png", ANALYSIS)
    auto = {k: v for k, v in plots.PANEL_TITLE.items() if k != "y"}
    monkeypatch.setattr(plots, "PANEL_TITLE", auto)
    plots.against_strength(csv, tmp_path / "auto.png", ANALYSIS, plots.STRUCTURE_PANELS, "S")
    plots.trajectories(csv, tmp_path / "auto_t.png", ANALYSIS)
    assert (tmp_path / "fixed.png").read_bytes() == (tmp_path / "auto.png").read_bytes()
    assert (tmp_path / "fixed_t.png").read_bytes() == (tmp_path / "auto_t.png").read_bytes()


def test_binned_means_by_hand():
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0, np.nan])
    y = np.array([1.0, 3.0, 5.0, 7.0, 9.0, 100.0])
    centres, means = plots.binned_means(x, y, n_bins=2)  # log2 bins [0, 2) and [2, 4]
    np.testing.assert_allclose(centres, [2.0, 8.0])
    np.testing.assert_allclose(means, [(1 + 3) / 2, (5 + 7 + 9) / 3])


def test_measures_against_total_weight(tmp_path):
    csv = summary_csv(tmp_path / "summary.csv", np.random.default_rng(1))
    out = tmp_path / "weight.png"
    plots.against_strength(csv, out, ANALYSIS, plots.STRUCTURE_PANELS, "S", x="total_weight")
    by_strength = tmp_path / "strength.png"
    plots.against_strength(csv, by_strength, ANALYSIS, plots.STRUCTURE_PANELS, "S")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.read_bytes() != by_strength.read_bytes()
