"""End to end: the options the tiny run leaves at their defaults (tests/configs/options.yaml), each
run through Snakemake and checked for what it must change, and the comparison table and the report
checked for values on a run whose networks pass the accuracy filter."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, result_file, snakemake
from scipy import stats
from scipy.spatial.distance import cdist

pytestmark = pytest.mark.slow

OPTIONS = REPO / "tests" / "configs" / "options.yaml"
CFG = yaml.safe_load(OPTIONS.read_text())
EPOCH = CFG["analysis"]["epoch"]
SEEDS = CFG["seeds"]
POPULATIONS = {"seRNN": "0.01", "L1": "0.001", "random": "0.01"}


def custom_coordinates(seed: int) -> np.ndarray:
    """(100, 3) unit coordinates that are not the default grid: a stretched, jittered 5x5x4 grid."""
    grid = np.stack(np.meshgrid(np.arange(5), np.arange(5), np.arange(4), indexing="ij"), -1).reshape(-1, 3)
    return grid * 1.5 + np.random.default_rng(seed).normal(0, 0.1, grid.shape)


@pytest.fixture(scope="module")
def options_run(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("options")
    np.save(work / "coordinates.npy", custom_coordinates(1))
    snakemake(work, configfile=OPTIONS)
    snakemake(work, "--report", str(work / "report.html"), configfile=OPTIONS)
    return work


@pytest.fixture(scope="module")
def summary(options_run) -> pd.DataFrame:
    return pd.read_csv(options_run / "results" / "summary" / "metrics.csv")


def networks_file(work: Path, reg: str) -> Path:
    return result_file(work, "networks", reg, POPULATIONS[reg])


def test_one_row_per_seed_and_epoch_and_seeds_trained_in_stacks(options_run, summary):
    assert len(summary) == len(POPULATIONS) * len(SEEDS) * (CFG["training"]["epochs"] + 1)
    for reg in POPULATIONS:
        rows = summary[(summary["regulariser"] == reg) & (summary["epoch"] == EPOCH)]
        assert sorted(rows["seed"]) == SEEDS, reg
        with h5py.File(networks_file(options_run, reg)) as f:
            assert f.attrs["stack"] == 2
            assert sorted(int(g.attrs["seed"]) for k, g in f.items() if k.startswith("seed")) == SEEDS
            # different seeds are different networks
            assert not np.array_equal(f["seed0"]["recurrent"][-1], f["seed1"]["recurrent"][-1])


def test_stored_coordinates_equal_the_file(options_run):
    coords = np.load(options_run / "coordinates.npy")
    for reg in POPULATIONS:
        with h5py.File(networks_file(options_run, reg)) as f:
            np.testing.assert_array_equal(f["coordinates"][()], coords)
            np.testing.assert_allclose(f["distance"][()], cdist(coords, coords), rtol=1e-12, atol=1e-12)
        with h5py.File(result_file(options_run, "activity", reg, POPULATIONS[reg])) as f:
            np.testing.assert_array_equal(f["coordinates"][()], coords)


def test_coordinates_from_a_csv_file(tmp_path):
    coords = custom_coordinates(2)
    np.savetxt(tmp_path / "units.csv", coords, delimiter=",", fmt="%.17g")
    cfg = dict(
        CFG,
        seeds=[0],
        model={"coordinates": "units.csv"},
        training={**CFG["training"], "epochs": 1},
        analysis={**CFG["analysis"], "epoch": 1},
        function={**CFG["function"], "epochs": [1]},
        regularisers={"seRNN": {"strengths": [0.1]}},
    )
    path = tmp_path / "csv.yaml"
    path.write_text(yaml.safe_dump(cfg))
    snakemake(tmp_path, "results/networks/seRNN/c000-n1", configfile=path)
    with h5py.File(result_file(tmp_path, "networks", "seRNN", "0.1")) as f:
        np.testing.assert_array_equal(f["coordinates"][()], coords)
        np.testing.assert_allclose(f["distance"][()], cdist(coords, coords), rtol=1e-12, atol=1e-12)


def test_random_task_networks_learn_the_shuffled_labels_and_fail_the_filter(options_run, summary):
    from sernn import storage, training

    data = storage.read_dataset(options_run / "results" / "dataset.h5")["validation"]
    nets = storage.read_networks(networks_file(options_run, "random"))
    assert nets["attrs"]["task"] == "random"
    true, shuffled = data["labels"].argmax(1), data["shuffled_labels"].argmax(1)
    assert np.mean(true == shuffled) < 0.5
    for seed, d in nets["seeds"].items():
        _, probs = training.hidden_activity(
            training.weights_at(d["recurrent"], d["snapshots"], EPOCH), data["inputs"]
        )
        pred = probs.argmax(1)
        # the recorded validation accuracy is against the shuffled labels the network was trained on
        assert d["evaluation"]["validation_accuracy"][EPOCH] == pytest.approx(
            np.mean(pred == shuffled), abs=1e-6
        )
        assert np.mean(pred == shuffled) < 0.4
    rand = summary[summary["regulariser"] == "random"]
    maze = summary[summary["regulariser"] == "seRNN"]  # same type and strength, the real labels
    assert not rand["passes_accuracy_filter"].any()
    at = rand["epoch"] == EPOCH
    assert (rand.loc[at, "val_accuracy"] < CFG["analysis"]["accuracy_threshold"]).all()
    assert maze.loc[maze["epoch"] == EPOCH, "passes_accuracy_filter"].all()


def test_function_is_analysed_at_each_listed_epoch(options_run, summary):
    epochs = CFG["function"]["epochs"]
    for reg in POPULATIONS:
        with h5py.File(result_file(options_run, "activity", reg, POPULATIONS[reg])) as f:
            for seed in SEEDS:
                assert list(f[f"seed{seed}"]["epochs"][()]) == epochs
                assert f[f"seed{seed}"]["activity"].shape[0] == len(epochs)
    analysed = summary["epoch"].isin(epochs)
    assert summary.loc[analysed, "energy"].notna().all()
    assert summary.loc[~analysed, "energy"].isna().all()
    windows = pd.read_csv(options_run / "results" / "summary" / "function_windows.csv")
    assert sorted(windows["epoch"].unique()) == epochs


def test_notebook_binarisation_is_directed_keeps_the_diagonal_and_thresholds_the_quantile(options_run):
    """method quantile, symmetrise none, drop_diagonal false: A = |W| > the 0.9 quantile of |W| (all
    entries, diagonal included), directed; computed here with numpy."""
    for reg in POPULATIONS:
        lab = POPULATIONS[reg]
        with h5py.File(result_file(options_run, "binarised", reg, lab)) as f:
            assert (f.attrs["method"], f.attrs["symmetrise"]) == ("quantile", "none")
            assert not f.attrs["drop_diagonal"]
            adjacency = f["seed0"]["adjacency"][()]
        with h5py.File(networks_file(options_run, reg)) as f:
            recurrent = f["seed0"]["recurrent"][()]
        for epoch in range(recurrent.shape[0]):
            w = np.abs(recurrent[epoch].astype(np.float64))
            expected = w > np.quantile(w, 1 - CFG["binarise"]["fraction"])
            np.testing.assert_array_equal(adjacency[epoch], expected.astype(np.uint8))
        assert any(not np.array_equal(a, a.T) for a in adjacency)  # directed


def test_louvain_columns_are_computed(summary):
    for col in ("modularity_louvain", "n_modules_louvain", "modularity_louvain_consensus"):
        values = summary[col].to_numpy(float)
        assert np.isfinite(values).all(), col
    assert summary["modularity_louvain"].between(0, 1).all()
    assert (summary["n_modules_louvain"] >= 2).all()


def test_comparison_values_recomputed_from_the_summary(options_run, summary):
    """seRNN vs L1 over the networks passing the filter at the analysed epoch: every mean, sd, n,
    Cohen's d and Welch p recomputed here from metrics.csv."""
    comp = pd.read_csv(options_run / "results" / "summary" / "comparison.csv")
    at = summary[(summary["epoch"] == EPOCH) & summary["passes_accuracy_filter"]]
    a, b = at[at["regulariser"] == "seRNN"], at[at["regulariser"] == "L1"]
    assert len(a) == len(b) == len(SEEDS)
    rows = comp[(comp["group_a"] == "seRNN") & (comp["group_b"] == "L1") & (comp["matched"] == "none")]
    checked = 0
    for metric in (
        "modularity",
        "clustering",
        "total_weight",
        "weight_distance_corr",
        "energy",
        "modularity_louvain",
        "val_accuracy",
    ):
        row = rows[rows["metric"] == metric].iloc[0]
        x, y = a[metric].to_numpy(float), b[metric].to_numpy(float)
        assert (row["n_a"], row["n_b"]) == (x.size, y.size)
        assert row["mean_a"] == pytest.approx(x.mean(), rel=1e-8)
        assert row["sd_b"] == pytest.approx(y.std(ddof=1), rel=1e-8)
        pooled = np.sqrt(
            ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
        )
        assert row["cohens_d"] == pytest.approx((x.mean() - y.mean()) / pooled, rel=1e-7)
        assert row["p"] == pytest.approx(stats.ttest_ind(x, y, equal_var=False).pvalue, rel=1e-7)
        checked += 1
    assert checked == 7
    # the random-task population never passes: its comparisons have no networks
    rand = comp[(comp["group_b"] == "random") & (comp["matched"] == "none")]
    assert len(rand) and (rand["n_b"] == 0).all() and rand["mean_b"].isna().all()


def test_gnm_fits_of_passing_networks_only_compared_like_every_measure(options_run, summary):
    """GNMs fit the maze networks (passing the filter) on the authors' target and leave the random-task
    networks' rows empty; comparison.csv compares the gnm columns; the energy boxes are drawn."""
    from sernn import generative, storage

    at = summary[summary["epoch"] == EPOCH]
    passing, failing = at[at["passes_accuracy_filter"]], at[~at["passes_accuracy_filter"]]
    assert len(passing) == 2 * len(SEEDS) and set(failing["regulariser"]) == {"random"}
    gnm_values = [c for c in summary if c.startswith(("gnm_energy_", "gnm_eta_", "gnm_gamma_"))]
    assert len(gnm_values) == 3 * len(generative.RULES)
    assert np.isfinite(passing[gnm_values + ["gnm_best_energy"]].to_numpy(float)).all()
    assert passing["gnm_best_rule"].isin(generative.RULES).all()
    assert failing[gnm_values + ["gnm_best_energy", "gnm_best_rule"]].isna().all().all()
    assert summary.loc[summary["epoch"] != EPOCH, gnm_values].isna().all().all()
    for reg in ("seRNN", "random"):
        gen = storage.read_generative(result_file(options_run, "generative", reg, POPULATIONS[reg]))
        assert gen["attrs"]["target"] == "authors"
        for seed, d in storage.read_networks(networks_file(options_run, reg))["seeds"].items():
            if reg == "random":
                assert gen["seeds"][seed] == {}
                continue
            w = np.abs(d["recurrent"][EPOCH].astype(np.float64)) * (1 - np.eye(100))
            kept = w >= np.sort(w, axis=None)[-990]  # the 990 largest directed entries, then OR
            assert gen["seeds"][seed][EPOCH]["attrs"]["edges"] == np.triu(kept | kept.T, 1).sum()
    comp = pd.read_csv(options_run / "results" / "summary" / "comparison.csv")
    row = comp[
        (comp["group_a"] == "seRNN")
        & (comp["group_b"] == "L1")
        & (comp["matched"] == "none")
        & (comp["metric"] == "gnm_energy_matching")
    ].iloc[0]
    x = passing.loc[passing["regulariser"] == "seRNN", "gnm_energy_matching"].to_numpy(float)
    assert row["n_a"] == len(SEEDS) and row["mean_a"] == pytest.approx(x.mean(), rel=1e-8)
    assert not comp["metric"].isin(["gnm_fitted", "gnm_best_rule"]).any()
    figures = options_run / "results" / "summary" / "figures"
    for name in ("gnm_energy_by_rule", "gnm_matching_vs_strength", "gnm_landscape"):
        assert (figures / f"{name}.png").stat().st_size > 20_000, name
    assert "gnm_energy_by_rule.png" in (options_run / "report.html").read_text()


def test_report_embeds_the_comparison_table(options_run):
    text = (options_run / "report.html").read_text()
    match = re.search(r"var results = (\{.*?\});\s*</script>", text, re.S)
    assert match, "no results block in the report"
    results = json.loads(match.group(1))
    entry = next(v for k, v in results.items() if k.endswith("summary/comparison.csv"))
    embedded = base64.b64decode(entry["data_uri"].split("base64,", 1)[1])
    assert embedded == (options_run / "results" / "summary" / "comparison.csv").read_bytes()
    assert "0.5" in entry["job_properties"]["params"]  # the threshold the table was computed with


def test_rerun_from_scratch_is_identical_file_for_file(options_run, tmp_path):
    from conftest import assert_results_identical

    shutil.copy(options_run / "coordinates.npy", tmp_path / "coordinates.npy")
    snakemake(tmp_path, configfile=OPTIONS)
    assert assert_results_identical(options_run / "results", tmp_path / "results") > 100
