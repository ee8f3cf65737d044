"""The workflow's GNM step (``steps.generative.fit_generative``) on a real networks file: the accuracy
filter, diverged networks, the two targets, the stored samples against the summary row, the seeding,
and the join into the summary table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sernn import binarise, embedding, generative, steps, storage
from sernn.training import TrainingResult

N, E = 100, 2
RULES = ["sptl", "matching", "clu-min", "deg-avg"]
GEN = {
    "enabled": True,
    "rules": RULES,
    "levels": 2,
    "samples": 5,
    "pow": 2.0,
    "eta_bounds": [-7, 7],
    "gamma_bounds": [-7, 7],
    "modelvar": "powerlaw",
    "epsilon": 1e-5,
    "target": "binarised",
    "fit_failing": False,
    "epochs": None,
    "seed": 11,
}
ANALYSIS = {"accuracy_threshold": 0.9, "epoch": E}
BINARISE = {"method": "proportional", "fraction": 0.1, "symmetrise": "max", "drop_diagonal": True}
#: seed -> (validation accuracy at every snapshot, diverged): passes, fails the filter, diverged
NETWORKS = {0: (0.95, False), 1: (0.5, False), 2: (0.97, True)}


def network(seed: int, distance: np.ndarray, accuracy: float, diverged: bool) -> TrainingResult:
    """Weights that decay with distance (like a trained seRNN's), NaN at the last snapshot when
    diverged."""
    rng = np.random.default_rng(seed)
    rec = (rng.normal(size=(E + 1, N, N)) * np.exp(-distance / 1.5)).astype(np.float32)
    if diverged:
        rec[E] = np.nan
    snaps = {
        "input_kernel": np.zeros((E + 1, 8, N), np.float32),
        "recurrent_bias": np.zeros((E + 1, N)),
        "output_kernel": np.zeros((E + 1, N, 4)),
        "output_bias": np.zeros((E + 1, 4)),
    }
    return TrainingResult(
        recurrent=rec,
        snapshots=snaps,
        **{k: v[-1] for k, v in snaps.items()},
        history={k: np.zeros(E) for k in storage.HISTORY},
        evaluation={k: np.full(E + 1, accuracy) for k in storage.EVALUATION},
        epoch_seconds=[0.1] * E,
        diverged=diverged,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("gnm")
    coords = embedding.grid_coordinates((5, 5, 4))
    dist = embedding.distance_matrix(coords)
    out = {"networks": d / "networks.h5", "binarised": d / "binarised.h5", "metrics": d / "metrics.h5"}
    storage.write_networks(
        out["networks"],
        {s: network(s, dist, *v) for s, v in NETWORKS.items()},
        coords,
        dist,
        {"regulariser": "seRNN", "regulariser_type": "seRNN", "task": "maze", "strength": 0.05},
        {},
    )
    steps.structure.binarise_networks(out["networks"], out["binarised"], BINARISE)
    for name, gen in {
        "default": GEN,
        "failing": {**GEN, "fit_failing": True},
        "authors": {**GEN, "target": "authors", "epochs": [1, E]},
    }.items():
        out[name] = d / f"{name}.h5"
        steps.generative.fit_generative(out["networks"], out["binarised"], out[name], gen, ANALYSIS, BINARISE)
    return out


def test_only_networks_passing_the_filter_are_fitted_and_every_row_stays(files):
    gen = storage.read_generative(files["default"])
    t = pd.DataFrame(gen["table"])
    assert list(t["seed"]) == [0, 1, 2] and (t["epoch"] == E).all()
    assert list(t["gnm_fitted"]) == [True, False, False]
    assert list(t["gnm_best_rule"]) == [t["gnm_best_rule"][0], "", ""] and t["gnm_best_rule"][0] in RULES
    values = [c for c in generative.summary_columns(RULES) if c not in ("gnm_fitted", "gnm_best_rule")]
    assert t.loc[0, values].notna().all() and t.loc[1:, values].isna().all().all()
    assert {s: sorted(e) for s, e in gen["seeds"].items()} == {0: [E], 1: [], 2: []}
    assert list(gen["attrs"]["rules"]) == RULES and gen["attrs"]["samples"] == 5


def test_fit_failing_fits_failing_networks_but_never_diverged_ones(files):
    t = pd.DataFrame(storage.read_generative(files["failing"])["table"])
    assert list(t["gnm_fitted"]) == [True, True, False]
    assert t.loc[2, "gnm_best_energy"] != t.loc[2, "gnm_best_energy"]  # NaN
    # the passing network's fit does not depend on whether failing ones are fitted too
    ref = pd.DataFrame(storage.read_generative(files["default"])["table"])
    pd.testing.assert_series_equal(t.loc[0], ref.loc[0])


def test_stored_samples_give_the_summary_row(files):
    gen = storage.read_generative(files["failing"])
    t = pd.DataFrame(gen["table"])
    for seed in (0, 1):
        row = t[t["seed"] == seed].iloc[0]
        fit = gen["seeds"][seed][E]["rules"]
        energies = {r: fit[r]["energy"] for r in RULES}
        for r in RULES:
            res, c = fit[r], generative.column_suffix(r)
            b = int(np.argmin(res["energy"]))
            assert res["energy"].shape == (10,) and res["ks"].shape == (10, 4)
            assert np.array_equal(res["energy"], np.max(res["ks"], axis=1))  # E = the largest KS
            assert row[f"gnm_energy_{c}"] == res["energy"].min() == res["best_energy"]
            assert (row[f"gnm_eta_{c}"], row[f"gnm_gamma_{c}"]) == (res["eta"][b], res["gamma"][b])
            assert np.all((res["eta"] >= -7) & (res["eta"] <= 7)) and list(np.unique(res["level"])) == [1, 2]
        assert row["gnm_best_energy"] == min(e.min() for e in energies.values())
        assert row["gnm_best_rule"] == min(RULES, key=lambda r: energies[r].min())


def test_target_is_the_binarised_network_or_the_authors_threshold(files):
    nets = storage.read_networks(files["networks"])
    adj = storage.read_binarised(files["binarised"])["seeds"][0][E]
    default = storage.read_generative(files["default"])["seeds"][0][E]
    assert default["attrs"]["edges"] == np.triu(adj, 1).sum() == 495
    authors = storage.read_generative(files["authors"])
    w = nets["seeds"][0]["recurrent"][E]
    b = np.abs(w) * (1 - np.eye(N))
    kept = b >= np.sort(b, axis=None)[-990]  # threshold_proportional: the 990 largest directed entries
    expected = np.triu(kept | kept.T, 1).sum()
    assert 495 <= expected <= 990
    assert authors["seeds"][0][E]["attrs"]["edges"] == expected
    assert sorted(authors["seeds"][0]) == [1, E]
    # the edge-length KS compares m target lengths: the sptl fit's best sample is far from a random graph
    assert authors["seeds"][0][E]["rules"]["sptl"]["best_energy"] < 0.9


def test_search_is_seeded_per_network_and_epoch(files, tmp_path):
    again = tmp_path / "again.h5"
    steps.generative.fit_generative(
        files["networks"], files["binarised"], again, {**GEN, "fit_failing": True}, ANALYSIS, BINARISE
    )
    a, b = storage.read_generative(files["failing"]), storage.read_generative(again)
    for seed in (0, 1):
        for r in RULES:
            for k in ("eta", "gamma", "energy", "ks"):
                assert np.array_equal(a["seeds"][seed][E]["rules"][r][k], b["seeds"][seed][E]["rules"][r][k])
    s0, s1 = (a["seeds"][s][E]["attrs"]["seed"] for s in (0, 1))
    assert s0 == steps.common.null_seed(11, "seRNN", 0.05, 0, E) and s0 != s1
    assert not np.array_equal(
        a["seeds"][0][E]["rules"]["matching"]["eta"], a["seeds"][1][E]["rules"]["matching"]["eta"]
    )


def test_summary_joins_gnm_columns_empty_at_epochs_not_fitted(files, tmp_path):
    steps.structure.compute_metrics(
        files["networks"],
        files["binarised"],
        files["metrics"],
        {
            "n_nulls": 4,
            "seed": 1,
            "modularity_gamma": 1.0,
            "louvain_runs": 0,
            "small_world_propensity": False,
        },
    )
    df = steps.summary.aggregate(
        [files["metrics"]], tmp_path / "metrics.csv", ANALYSIS, generative_paths=[files["failing"]]
    )
    back = pd.read_csv(tmp_path / "metrics.csv")
    assert len(back) == len(df) == 3 * (E + 1)
    at = back[back["epoch"] == E].set_index("seed")
    assert at.loc[0, "gnm_best_rule"] in RULES and np.isfinite(at.loc[[0, 1], "gnm_energy_clu_min"]).all()
    assert np.isnan(at.loc[2, "gnm_energy_clu_min"])
    assert back.loc[back["epoch"] < E, [c for c in back if c.startswith("gnm_")]].isna().all().all()
    from sernn import analysis

    cols = analysis.metric_columns(back)
    assert "gnm_energy_matching" in cols and "gnm_fitted" not in cols and "gnm_best_rule" not in cols


def test_binarised_target_matches_binarise_module(files):
    """The default target is exactly the pipeline's binarised adjacency (undirected)."""
    nets = storage.read_networks(files["networks"])
    a = binarise.undirected(binarise.binarise(nets["seeds"][0]["recurrent"][E], **BINARISE))
    assert storage.read_generative(files["default"])["seeds"][0][E]["attrs"]["edges"] == np.triu(a, 1).sum()
