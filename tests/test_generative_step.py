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
        "dense": {**GEN, "density": 0.05, "robust": {"top_k": 3, "repeats": 4}},
        "authors_dense": {**GEN, "target": "authors", "density": 0.05, "robust": {"top_k": 2, "repeats": 2}},
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


# -- density and robust energies ------------------------------------------------------------------


def test_density_is_honoured_exactly_and_recorded(files):
    nets = storage.read_networks(files["networks"])
    dense = storage.read_generative(files["dense"])
    assert dense["attrs"]["density"] == 0.05 and dense["seeds"][0][E]["attrs"]["edges"] == round(0.05 * 4950)
    assert storage.read_generative(files["default"])["attrs"]["density"] == 0.1  # binarise.fraction
    # the binarise options at the new density: the 248 strongest pairs of max(|W|, |W|^T)
    a = np.abs(nets["seeds"][0]["recurrent"][E]).astype(np.float64)
    np.fill_diagonal(a, 0)
    a = np.maximum(a, a.T)
    iu = np.triu_indices(N, 1)
    assert dense["seeds"][0][E]["rules"]["sptl"]["best_energy"] <= 1
    target = steps.generative.gnm_target(
        nets["seeds"][0]["recurrent"][E], None, {**GEN, "density": 0.05}, BINARISE
    )
    kept = np.sort(a[iu])[-248:]
    assert np.triu(target, 1).sum() == 248 and np.array_equal(np.sort(a[iu][target[iu] == 1]), kept)
    authors = storage.read_generative(files["authors_dense"])
    assert 248 <= authors["seeds"][0][E]["attrs"]["edges"] <= 495 and authors["attrs"]["density"] == 0.05


def test_robust_energies_equal_a_plain_recomputation_from_the_stored_repeats(files):
    gen = storage.read_generative(files["dense"])
    row = pd.DataFrame(gen["table"]).set_index("seed").loc[0]
    assert gen["attrs"]["robust_top_k"] == 3 and gen["attrs"]["robust_repeats"] == 4
    fit = gen["seeds"][0][E]["rules"]
    means = {}
    for r in RULES:
        rob, c = fit[r]["robust"], generative.column_suffix(r)
        assert (
            rob["energy"].shape == (3, 4) and rob["ks"].shape == (3, 4, 4) and rob["seeds"].dtype == np.uint64
        )
        # the 3 lowest-energy samples of the search, their points
        assert sorted(rob["index"]) == sorted(np.argsort(fit[r]["energy"], kind="stable")[:3])
        assert np.array_equal(rob["eta"], fit[r]["eta"][rob["index"]])
        assert np.array_equal(rob["energy"], rob["ks"].max(axis=2))
        means[r] = np.mean([np.mean(rob["energy"][i]) for i in range(3)])
        assert row[f"gnm_robust_energy_{c}"] == pytest.approx(means[r], rel=1e-12)
        assert len(np.unique(rob["seeds"])) == 12  # a fresh stream per repeat
    assert row["gnm_robust_best_rule"] == min(RULES, key=lambda r: means[r])
    assert pd.DataFrame(gen["table"]).loc[lambda t: ~t["gnm_fitted"], "gnm_robust_best_rule"].eq("").all()


def test_stored_repeats_are_the_simulations_of_their_seeds(files):
    """Each stored repeat: grow a network with the plain numpy port at the point, from the stored
    seed's stream, and measure its energy with scipy's KS."""
    from gnm_reference import energy_reference, simulate_reference

    nets = storage.read_networks(files["networks"])
    gen = storage.read_generative(files["dense"])
    target = steps.generative.gnm_target(
        nets["seeds"][0]["recurrent"][E], None, {**GEN, "density": 0.05}, BINARISE
    )
    m = int(np.triu(target, 1).sum())
    for r in ("sptl", "matching"):
        rob = gen["seeds"][0][E]["rules"][r]["robust"]
        for i, k in ((0, 0), (0, 3), (2, 1)):
            uniforms = np.random.default_rng(int(rob["seeds"][i, k])).random(m)
            edges = simulate_reference(nets["distance"], m, r, rob["eta"][i], rob["gamma"][i], uniforms)
            e = energy_reference(target, generative.edges_to_adjacency(edges, N), nets["distance"])
            assert rob["energy"][i, k] == pytest.approx(e[0], abs=1e-12), (r, i, k)


@pytest.mark.parametrize("threads", [1, 2])
def test_robust_fits_rerun_bit_identical(files, tmp_path, threads):
    """A rerun gives the same file, also with the rules of each search spread over 2 threads."""
    from conftest import h5_differences

    again = tmp_path / "dense.h5"
    steps.generative.fit_generative(
        files["networks"],
        files["binarised"],
        again,
        {**GEN, "density": 0.05, "robust": {"top_k": 3, "repeats": 4}},
        ANALYSIS,
        BINARISE,
        threads=threads,
    )
    problems, n = h5_differences(files["dense"], again)
    assert not problems and n >= 4 * (5 + 6)  # every rule: samples and robust datasets
