"""Diverged training (NaN/inf weights) flows through every step as ``diverged = true`` with empty
(NaN) measures at the snapshots that are not finite, fails the accuracy filter, and breaks no table
or figure. Proved on real trained networks with injected non-finite snapshots."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sernn import binarise, manifest, plots, steps, storage
from sernn.metrics import METRIC_COLUMNS, empty_metrics, network_metrics
from sernn.training import TrainingResult

EPOCHS = 3
DATASET = {
    "seed": 5,
    "goal_steps": 20,
    "delay_steps": 10,
    "choice_steps": 20,
    "train": 128,
    "test": 64,
    "validation": 64,
}
MODEL = {
    "n_units": 100,
    "noise_std": 0.05,
    "grid": [5, 5, 4],
    "coordinates": None,
    "distance_metric": "euclidean",
    "distance_power": 1.0,
    "comms_factor": 1.0,
}
TRAINING = {"epochs": EPOCHS, "batch_size": 64, "learning_rate": 0.001, "stack": 2}
BINARISE = {"method": "proportional", "fraction": 0.1, "symmetrise": "max", "drop_diagonal": True}
METRICS = {
    "n_nulls": 10,
    "seed": 2023,
    "modularity_gamma": 1.0,
    "louvain_runs": 0,
    "small_world_propensity": False,
}
# threshold 0: every finite network passes on accuracy, so only divergence can fail it
ANALYSIS = {"accuracy_threshold": 0.0, "epoch": EPOCHS, "accuracy_bins": [0.0, 0.5, 1.01]}
FUNCTION = {
    "enabled": True,
    "epochs": [1, EPOCHS],
    "probe_trials": 32,
    "probe_seed": 1,
    "seed": 3,
    "n_perm": 20,
    "ev_threshold": 0.1,
    "n_folds": 2,
    "sliding_width": 5,
    "sliding_step": 5,
}
POPS = {"seRNN": ("seRNN", 0.1), "L1": ("L1", 0.01)}
#: (population, seed) -> (first non-finite snapshot, value injected, diverged attribute written)
INJECTED = {("seRNN", 1): (2, np.nan, True), ("L1", 0): (EPOCHS, np.inf, False)}


def inject(nets: dict, seed: int, first: int, value: float, diverged: bool) -> dict[int, TrainingResult]:
    """The networks of a file as ``TrainingResult``s, ``seed``'s weights replaced by ``value`` from
    snapshot ``first`` on (its loss too, as training would have recorded it)."""
    out = {}
    for s, d in nets["seeds"].items():
        d = {k: (dict(v) if isinstance(v, dict) else v) for k, v in d.items()}
        rec, snaps, hist = (
            d["recurrent"].copy(),
            {k: v.copy() for k, v in d["snapshots"].items()},
            dict(d["history"]),
        )
        if s == seed:
            rec[first:] = value
            for v in snaps.values():
                v[first:] = value
            hist["loss"] = hist["loss"].copy()
            hist["loss"][first - 1 :] = np.nan
        out[s] = TrainingResult(
            recurrent=rec,
            snapshots=snaps,
            history=hist,
            evaluation=d["evaluation"],
            **{k: v[-1] for k, v in snaps.items()},
            epoch_seconds=list(d["attrs"]["epoch_seconds"]),
            diverged=diverged if s == seed else bool(d["attrs"]["diverged"]),
        )
    return out


def run_downstream(res: Path, pops) -> pd.DataFrame:
    """binarise, compute_metrics, record_activity, compute_function for every population under
    ``res``, then aggregate and the comparison, as the rules call them."""
    for name in pops:
        p = {k: res / k / f"{name}.h5" for k in ("networks", "binarised", "metrics", "activity", "function")}
        steps.structure.binarise_networks(p["networks"], p["binarised"], BINARISE)
        steps.structure.compute_metrics(p["networks"], p["binarised"], p["metrics"], METRICS)
        steps.function.record_activity(res / "dataset.h5", p["networks"], p["activity"], FUNCTION, ANALYSIS)
        steps.function.compute_function(p["activity"], p["function"], FUNCTION, DATASET)
    s = res / "summary"
    df = steps.summary.aggregate(
        [res / "metrics" / f"{n}.h5" for n in pops],
        s / "metrics.csv",
        ANALYSIS,
        [res / "function" / f"{n}.h5" for n in pops],
        s / "function_windows.csv",
    )
    steps.summary.compare_populations(s / "metrics.csv", s / "comparison.csv", ANALYSIS)
    return df


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Two small populations trained for real (2 seeds each), analysed as they are ("clean") and
    with the snapshots of ``INJECTED`` made non-finite ("diverged")."""
    clean = tmp_path_factory.mktemp("clean") / "results"
    steps.dataset.generate_dataset(clean / "dataset.h5", DATASET)
    for name, (kind, strength) in POPS.items():
        steps.training.train_networks(
            clean / "dataset.h5",
            clean / "networks" / f"{name}.h5",
            regulariser=name,
            regulariser_type=kind,
            task="maze",
            strength=strength,
            seeds=[0, 1],
            model=MODEL,
            training=TRAINING,
        )
    div = tmp_path_factory.mktemp("diverged") / "results"
    (div / "networks").mkdir(parents=True)
    shutil.copyfile(clean / "dataset.h5", div / "dataset.h5")
    for name in POPS:
        nets = storage.read_networks(clean / "networks" / f"{name}.h5")
        seed, (first, value, flag) = next((s, v) for (p, s), v in INJECTED.items() if p == name)
        storage.write_networks(
            div / "networks" / f"{name}.h5",
            inject(nets, seed, first, value, flag),
            nets["coordinates"],
            nets["distance"],
            {k: nets["attrs"][k] for k in storage.NETWORK_ATTRS},
            {},
        )
    run_downstream(clean, POPS)
    run_downstream(div, POPS)
    return {"clean": clean, "diverged": div}


def test_binarise_refuses_non_finite_weights_instead_of_dropping_them():
    w = np.random.default_rng(0).normal(size=(10, 10))
    w[3, 4] = np.nan
    with pytest.raises(ValueError, match="1 of 100 are NaN or inf"):
        binarise.binarise(w)
    w[3, 4] = np.inf
    with pytest.raises(ValueError, match="finite"):
        binarise.binarise(w, method="quantile")
    stack = np.zeros((3, 4, 4))
    stack[1, 0, 0] = -np.inf
    assert binarise.finite_snapshots(stack).tolist() == [True, False, True]


@pytest.mark.parametrize("louvain_runs, swp", [(0, False), (2, False), (0, True), (1, True)])
def test_empty_metrics_has_the_keys_of_network_metrics(louvain_runs, swp):
    rng = np.random.default_rng(1)
    w = rng.normal(size=(12, 12))
    a = binarise.undirected(binarise.binarise(w, fraction=0.3))
    d = np.abs(rng.normal(size=(12, 12)))
    values = network_metrics(w, a, d + d.T, n_nulls=3, louvain_runs=louvain_runs, swp=swp)
    empty = empty_metrics(louvain_runs=louvain_runs, swp=swp)
    assert list(empty) == list(values) and all(np.isnan(v) for v in empty.values())


@pytest.mark.slow
def test_diverged_snapshots_have_no_graph_and_finite_ones_the_clean_graph(runs):
    for (name, seed), (first, _, _) in INJECTED.items():
        clean = storage.read_binarised(runs["clean"] / "binarised" / f"{name}.h5")["seeds"]
        div = storage.read_binarised(runs["diverged"] / "binarised" / f"{name}.h5")["seeds"]
        assert not div[seed][first:].any()
        np.testing.assert_array_equal(div[seed][:first], clean[seed][:first])
        assert clean[seed][first:].any()
        other = 1 - seed
        np.testing.assert_array_equal(div[other], clean[other])


@pytest.mark.slow
def test_metrics_rows_of_a_diverged_network(runs):
    for (name, seed), (first, _, _) in INJECTED.items():
        clean = pd.DataFrame(storage.read_table(runs["clean"] / "metrics" / f"{name}.h5"))
        div = pd.DataFrame(storage.read_table(runs["diverged"] / "metrics" / f"{name}.h5"))
        assert len(div) == len(clean) == 2 * (EPOCHS + 1)  # every row is there
        mine = div[div["seed"] == seed].set_index("epoch")
        assert mine["diverged"].all()  # on every row, also before the divergence
        assert mine["finite_weights"].tolist() == [e < first for e in range(EPOCHS + 1)]
        measures = [c for c in METRIC_COLUMNS if c in div.columns]
        assert len(measures) == len(METRIC_COLUMNS)
        assert mine.loc[first:, measures].isna().all().all()
        # the snapshots before the divergence keep their measures, exactly the clean network's
        ref = clean[clean["seed"] == seed].set_index("epoch")
        pd.testing.assert_frame_equal(mine.loc[: first - 1, measures], ref.loc[: first - 1, measures])
        assert ref.loc[first:, measures].notna().all().all()
        others = div[div["seed"] != seed]
        assert not others["diverged"].any() and others["finite_weights"].all()
        pd.testing.assert_frame_equal(
            others.reset_index(drop=True), clean[clean["seed"] != seed].reset_index(drop=True)
        )


@pytest.mark.slow
def test_activity_and_function_of_a_diverged_network(runs):
    for (name, seed), (first, _, _) in INJECTED.items():
        act = storage.read_activity(runs["diverged"] / "activity" / f"{name}.h5")["seeds"][seed]
        ref = storage.read_activity(runs["clean"] / "activity" / f"{name}.h5")["seeds"][seed]
        assert act["epochs"].tolist() == [1, EPOCHS]
        np.testing.assert_array_equal(act["activity"][0], ref["activity"][0])  # epoch 1: finite
        assert np.isnan(act["activity"][1]).all() and np.isnan(act["probabilities"][1]).all()
        div = pd.DataFrame(storage.read_table(runs["diverged"] / "function" / f"{name}.h5"))
        clean = pd.DataFrame(storage.read_table(runs["clean"] / "function" / f"{name}.h5"))
        assert len(div) == len(clean) == 4
        mine = div[div["seed"] == seed].set_index("epoch")
        values = [c for c in div.columns if c not in ("regulariser", "strength", "seed", "epoch")]
        assert mine.loc[EPOCHS, values].isna().all()
        pd.testing.assert_series_equal(
            mine.loc[1, values], clean[clean["seed"] == seed].set_index("epoch").loc[1, values]
        )
        win = pd.DataFrame(storage.read_table(runs["diverged"] / "function" / f"{name}.h5", "windows"))
        win_clean = pd.DataFrame(storage.read_table(runs["clean"] / "function" / f"{name}.h5", "windows"))
        assert len(win) == len(win_clean)
        pd.testing.assert_frame_equal(
            win[["window", "kind", "start", "stop", "seed", "epoch"]],
            win_clean[["window", "kind", "start", "stop", "seed", "epoch"]],
        )
        gone = win[(win["seed"] == seed) & (win["epoch"] == EPOCHS)]
        assert len(gone) > 10 and gone[["ev_goal_mean", "decoding_goal"]].isna().all().all()


@pytest.mark.slow
def test_summary_flags_diverged_networks_and_keeps_them_out_of_comparisons(runs):
    df = pd.read_csv(runs["diverged"] / "summary" / "metrics.csv")
    assert len(df) == 4 * (EPOCHS + 1)
    for (name, seed), (first, _, _) in INJECTED.items():
        mine = df[(df["regulariser"] == name) & (df["seed"] == seed)]
        assert mine["diverged"].all() and not mine["passes_accuracy_filter"].any()
        assert mine.loc[mine["epoch"] >= first, "modularity"].isna().all()
        assert mine.loc[mine["epoch"] < first, "modularity"].notna().all()
        assert mine.loc[mine["epoch"] == EPOCHS, "energy"].isna().all()
    others = df[~df.set_index(["regulariser", "seed"]).index.isin(list(INJECTED))]
    assert others["passes_accuracy_filter"].all()  # threshold 0: only divergence fails
    comp = pd.read_csv(runs["diverged"] / "summary" / "comparison.csv")
    row = comp[(comp["metric"] == "modularity") & (comp["accuracy_bin"] == "all")].iloc[0]
    assert (row["n_a"], row["n_b"]) == (1, 1)  # one network left of each population
    clean = pd.read_csv(runs["clean"] / "summary" / "comparison.csv")
    row = clean[(clean["metric"] == "modularity") & (clean["accuracy_bin"] == "all")].iloc[0]
    assert (row["n_a"], row["n_b"]) == (2, 2)


@pytest.mark.slow
def test_figures_with_diverged_networks(runs, tmp_path):
    s = runs["diverged"] / "summary"
    inputs = SimpleNamespace(csv=s / "metrics.csv", windows=s / "function_windows.csv")
    names = (
        "accuracy",
        "structure",
        "trajectories",
        "function",
        "function_time",
        "structure_weight",
        "function_weight",
    )
    outputs = SimpleNamespace(**{k: tmp_path / f"{k}.png" for k in names})
    steps.summary.summary_figures(inputs, outputs, ANALYSIS)
    written = [p for p in vars(outputs).values() if p.exists()]
    assert len(written) >= 5 and all(p.stat().st_size > 10_000 for p in written)
    # the example network is drawn from a seed whose weights are finite at the analysed epoch
    nets = {n: runs["diverged"] / "networks" / f"{n}.h5" for n in POPS}
    plots.example_networks(nets, tmp_path / "examples.png", ANALYSIS, BINARISE)
    assert (tmp_path / "examples.png").stat().st_size > 10_000
    # a population whose every seed diverged gets a panel saying so
    src = storage.read_networks(nets["seRNN"])
    results = inject(src, 0, 1, np.nan, True)
    results[1] = inject(src, 1, 1, np.nan, True)[1]
    storage.write_networks(
        tmp_path / "all.h5",
        results,
        src["coordinates"],
        src["distance"],
        {k: src["attrs"][k] for k in storage.NETWORK_ATTRS},
        {},
    )
    plots.example_networks(
        {**nets, "all_diverged": tmp_path / "all.h5"}, tmp_path / "examples3.png", ANALYSIS, BINARISE
    )
    assert (tmp_path / "examples3.png").stat().st_size > (tmp_path / "examples.png").stat().st_size


@pytest.mark.slow
def test_workflow_carries_an_injected_diverged_network_through_every_rule(tiny_run, tmp_path):
    """The tiny run's copy with seRNN 0.1's network replaced by a diverged one (NaN weights at the
    last snapshot, the analysed one): Snakemake reruns every rule downstream of it, and the
    summary flags it, fails it, and gives it NaN measures where its weights are NaN."""
    from conftest import result_file, snakemake

    work = tmp_path / "work"
    shutil.copytree(tiny_run, work, symlinks=True)
    path = result_file(work, "networks", "seRNN", "0.1")
    nets = storage.read_networks(path)
    last = max(d["recurrent"].shape[0] for d in nets["seeds"].values()) - 1
    keep = (
        "regulariser",
        "regulariser_type",
        "task",
        "strength",
        "strength_label",
        "comms_factor",
        "distance_power",
        "tensorflow_threads",
        "stack",
    )
    storage.write_networks(
        path,
        inject(nets, 0, last, np.nan, True),
        nets["coordinates"],
        nets["distance"],
        {k: nets["attrs"][k] for k in keep if k in nets["attrs"]},
        {},
    )
    # as if the train job had written it: its chunk record (else the chunk check remakes an altered
    # chunk), and Snakemake dates a directory output (the chunk) by the timestamp file it keeps inside
    manifest.write_record(path.parent)
    (path.parent / ".snakemake_timestamp").touch()
    snakemake(work, "--rerun-triggers", "mtime")
    df = pd.read_csv(work / "results" / "summary" / "metrics.csv")
    mine = df[(df["regulariser"] == "seRNN") & (df["strength"] == 0.1)].set_index("epoch")
    assert len(mine) == last + 1 and mine["diverged"].all() and not mine["passes_accuracy_filter"].any()
    assert mine.loc[last, ["modularity", "small_worldness", "total_weight", "energy"]].isna().all()
    assert mine.loc[: last - 1, ["modularity", "total_weight"]].notna().all().all()
    assert not df.loc[df["strength"] != 0.1, "diverged"].any()
    log = (work / "results" / "logs" / "aggregate.log").read_text()
    assert "fails filter: seRNN strength 0.1 seed 0 (diverged)" in log
    for name in ("accuracy_vs_strength", "metrics_vs_strength", "trajectories", "example_networks"):
        png = work / "results" / "summary" / "figures" / f"{name}.png"
        assert png.stat().st_mtime > path.stat().st_mtime, name  # redrawn after the injection
    assert (work / "results" / "summary" / "comparison.csv").stat().st_mtime > path.stat().st_mtime
    assert np.isnan(storage.read_networks(path)["seeds"][0]["recurrent"][last]).all()  # not retrained
