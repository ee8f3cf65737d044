"""End to end: the tiny config through Snakemake, every output's shape, the summary's rows, and
reproducible reruns (nothing to redo, exactly the dependent jobs on a change, bit-identical from
scratch, a killed training job leaves nothing that looks complete)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import (
    CHUNK_RULES,
    REPO,
    SUMMARY_RULES,
    TINY,
    assert_results_identical,
    dry_run_jobs,
    job_counts,
    result_file,
    snakemake,
    snakemake_command,
)

pytestmark = pytest.mark.slow

TINY_CFG = yaml.safe_load(TINY.read_text())
STRENGTHS = {"seRNN": ["0.01", "0.1"], "L1": ["0.001", "0.01"]}
EPOCHS = TINY_CFG["training"]["epochs"]


def test_every_output_has_the_documented_shape(tiny_run):
    res = tiny_run / "results"
    with h5py.File(res / "dataset.h5") as f:
        for split, n in (("train", 256), ("test", 128), ("validation", 128)):
            assert f[split]["inputs"].shape == (n, 50, 8)
            assert f[split]["labels"].shape == (n, 4)
            assert f[split]["maze_id"].shape == (n,)
        assert f.attrs["seed"] == 18229 and "config" in f.attrs and "versions" in f.attrs
    for reg, labels in STRENGTHS.items():
        for lab in labels:
            with h5py.File(result_file(res.parent, "networks", reg, lab)) as f:
                assert f["coordinates"].shape == (100, 3) and f["distance"].shape == (100, 100)
                assert f.attrs["regulariser"] == reg and f.attrs["strength"] == float(lab)
                g = f["seed0"]
                assert dict(g.attrs)["seed"] == 0 and g.attrs["regulariser"] == reg
                assert g["recurrent"].shape == (EPOCHS + 1, 100, 100)
                assert g["input_kernel"].shape == (8, 100) and g["output_kernel"].shape == (100, 4)
                for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
                    assert g["history"][k].shape == (EPOCHS,)
                assert g["evaluation"]["validation_accuracy"].shape == (EPOCHS + 1,)
                assert '"epochs": 2' in f.attrs["config"] and f.attrs["sernn_version"]
            with h5py.File(result_file(res.parent, "binarised", reg, lab)) as f:
                a = f["seed0"]["adjacency"][()]
                assert a.shape == (EPOCHS + 1, 100, 100) and set(np.unique(a)) <= {0, 1}
                assert f.attrs["symmetrise"] == "max" and f.attrs["method"] == "proportional"
                assert all(int(a[e].sum()) == 2 * 495 for e in range(EPOCHS + 1))
            with h5py.File(result_file(res.parent, "metrics", reg, lab)) as f:
                assert f["table"]["modularity"].shape == (EPOCHS + 1,)


def test_generative_outputs(tiny_run):
    """One GNM fit per seed at the analysed epoch (tiny.yaml fits the failing tiny networks), every
    rule with levels x samples samples, and the same numbers in the file's table and the summary."""
    from sernn import generative, storage

    gen_cfg = TINY_CFG["generative"]
    n_samples = gen_cfg["levels"] * gen_cfg["samples"]
    df = pd.read_csv(tiny_run / "results" / "summary" / "metrics.csv")
    for reg, labels in STRENGTHS.items():
        for lab in labels:
            path = result_file(tiny_run, "generative", reg, lab)
            with h5py.File(path) as f:
                assert list(f["seed0"]) == [f"epoch{EPOCHS}"] and f.attrs["regulariser"] == reg
                g = f["seed0"][f"epoch{EPOCHS}"]
                assert list(g) == list(generative.RULES) and g.attrs["edges"] == 495
                for rule in generative.RULES:
                    for k in ("eta", "gamma", "energy", "level"):
                        assert g[rule][k].shape == (n_samples,)
                    assert g[rule]["ks"].shape == (n_samples, 4)
                    assert list(g[rule]["ks"].attrs["columns"]) == list(generative.KS_COLUMNS)
                    assert g[rule].attrs["best_energy"] == g[rule]["energy"][()].min()
                assert f["table"]["gnm_best_energy"].shape == (1,)
            table = storage.read_generative(path)["table"]
            row = df[(df["regulariser"] == reg) & (df["strength"] == float(lab)) & (df["epoch"] == EPOCHS)]
            for col in ("gnm_best_energy", "gnm_energy_matching", "gnm_eta_clu_avg", "gnm_gamma_deg_prod"):
                assert row[col].iloc[0] == pytest.approx(table[col][0], rel=1e-9), col
            assert row["gnm_best_rule"].iloc[0] == table["gnm_best_rule"][0] in generative.RULES
    assert df.loc[df["epoch"] == EPOCHS, "gnm_best_energy"].between(0, 1).all()
    assert df.loc[df["epoch"] < EPOCHS, [c for c in df if c.startswith("gnm_")]].isna().all().all()
    log = (tiny_run / "results" / "logs" / "fit_generative" / "seRNN" / "c001-n1.log").read_text()
    assert f"GNM seed 0 epoch {EPOCHS}: best rule" in log and "packages used:" in log


def test_activity_and_function_outputs(tiny_run):
    res = tiny_run / "results"
    for reg, labels in STRENGTHS.items():
        for lab in labels:
            with h5py.File(result_file(res.parent, "activity", reg, lab)) as f:
                assert f["seed0"]["activity"].shape == (1, 64, 50, 100)
                assert list(f["seed0"]["epochs"][()]) == [2]
                for k in ("maze_id", "goal", "choice_options", "correct_choice"):
                    assert f["probe"][k].shape == (64,)
                assert f["seed0"]["activity"].compression == "lzf"
            with h5py.File(result_file(res.parent, "function", reg, lab)) as f:
                assert f["table"]["energy"].shape == (1,)
                assert "window" in f["windows"]


def test_saved_weights_reproduce_the_trained_models_evaluation(tiny_run):
    """Activity recorded from the saved weights: the read-out of the last hidden state gives the
    validation accuracy that training itself measured at that epoch."""
    from sernn import storage, training

    data = storage.read_dataset(tiny_run / "results" / "dataset.h5")["validation"]
    for reg, labels in STRENGTHS.items():
        nets = storage.read_networks(result_file(tiny_run, "networks", reg, labels[-1]))
        d = nets["seeds"][0]
        for epoch in range(EPOCHS + 1):
            w = training.weights_at(d["recurrent"], d["snapshots"], epoch)
            states, probs = training.hidden_activity(w, data["inputs"])
            logits = states[:, -1] @ w["output_kernel"] + w["output_bias"]
            acc = np.mean(logits.argmax(1) == data["labels"].argmax(1))
            assert acc == pytest.approx(d["evaluation"]["validation_accuracy"][epoch], abs=1e-9)
        act = storage.read_activity(result_file(tiny_run, "activity", reg, labels[-1]))
        idx = act["probe"]["trial_index"]
        w = training.weights_at(d["recurrent"], d["snapshots"], 2)
        states, _ = training.hidden_activity(w, data["inputs"][idx])
        np.testing.assert_allclose(act["seeds"][0]["activity"][0], states, rtol=1e-6, atol=1e-6)


def test_summary_has_one_row_per_network_and_epoch(tiny_run):
    df = pd.read_csv(tiny_run / "results" / "summary" / "metrics.csv")
    assert len(df) == 4 * (EPOCHS + 1)
    keys = df[["regulariser", "strength", "seed", "epoch"]]
    assert not keys.duplicated().any()
    for col in (
        "modularity",
        "clustering",
        "path_length",
        "efficiency",
        "small_worldness",
        "total_weight",
        "weight_distance_corr",
        "weighted_edge_length",
        "density",
        "accuracy",
        "val_accuracy",
        "passes_accuracy_filter",
    ):
        assert col in df.columns, col
    assert set(df["regulariser"]) == {"seRNN", "L1"}
    np.testing.assert_allclose(df["density"], 0.1, atol=1e-12)
    assert ((df["val_accuracy"] >= 0.9) == df["passes_accuracy_filter"]).all()
    assert df["modularity"].between(-0.5, 1).all()
    # functional measures joined at the analysed epoch only
    assert df.loc[df["epoch"] == 2, "energy"].notna().all() and df.loc[df["epoch"] < 2, "energy"].isna().all()
    pq = pd.read_parquet(tiny_run / "results" / "summary" / "metrics.parquet")
    assert len(pq) == len(df)
    figures = tiny_run / "results" / "summary" / "figures"
    for name in (
        "accuracy_vs_strength",
        "metrics_vs_strength",
        "trajectories",
        "function_vs_strength",
        "function_over_time",
        "example_networks",
        "metrics_vs_total_weight",
        "function_vs_total_weight",
        "gnm_matching_vs_strength",
        "gnm_matching_vs_total_weight",
        "gnm_landscape",
    ):
        assert (figures / f"{name}.png").stat().st_size > 10_000, name
    # the energy boxes are over passing networks, and no tiny network passes: the figure says so
    assert (figures / "gnm_energy_by_rule.png").stat().st_size > 1_000
    comp = pd.read_csv(tiny_run / "results" / "summary" / "comparison.csv")
    assert {"metric", "group_a", "group_b", "accuracy_bin", "cohens_d", "p"} <= set(comp.columns)
    assert set(comp["accuracy_bin"]) == {"all", "[0.9, 0.95)", "[0.95, 0.99)", "[0.99, 1.01)"}
    assert set(comp["matched"]) == {"none", "accuracy", "total_weight"}
    # no tiny network passes the filter: every claim is there, untested
    claims = pd.read_csv(tiny_run / "results" / "summary" / "claims.csv")
    assert len(claims) == 8 and set(claims["verdict"]) == {"not tested"}
    assert len(pd.read_csv(tiny_run / "results" / "summary" / "claims_controls.csv")) == 0  # no controls


def test_train_and_aggregate_logs_report_progress(tiny_run):
    logs = tiny_run / "results" / "logs"
    train_log = (logs / "train" / "seRNN" / "c001-n1.log").read_text()  # the chunk of strength 0.1
    assert "epoch 2/2" in train_log and "validation accuracy" in train_log
    assert (logs / "aggregate.log").read_text().count("pass the accuracy filter") == 1


def test_dry_run_after_complete_run_has_nothing_to_do(tiny_run):
    out = snakemake(tiny_run, "-n").stdout
    assert "Nothing to be done" in out, out[-2000:]


def test_changing_one_strength_reruns_only_its_jobs(tiny_run, tmp_path):
    cfg = dict(TINY_CFG)
    cfg["regularisers"] = {"seRNN": {"strengths": [0.01, 0.2]}, "L1": {"strengths": [0.001, 0.01]}}
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(cfg))
    counts = job_counts(snakemake(tiny_run, "-n", configfile=path).stdout)
    assert counts.get("train") == 1 and counts.get("binarise") == 1 and counts.get("compute_metrics") == 1
    assert "generate_dataset" not in counts
    assert counts.get("aggregate") == 1


def test_changing_a_training_parameter_reruns_training_and_downstream(tiny_run, tmp_path):
    cfg = dict(TINY_CFG, training={"epochs": 2, "batch_size": 32})
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(cfg))
    counts = job_counts(snakemake(tiny_run, "-n", configfile=path).stdout)
    assert counts.get("train") == 4 and counts.get("compute_metrics") == 4
    assert "generate_dataset" not in counts


def test_changing_a_metrics_parameter_does_not_retrain(tiny_run, tmp_path):
    cfg = dict(TINY_CFG, metrics={"n_nulls": 60})
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(cfg))
    counts = job_counts(snakemake(tiny_run, "-n", configfile=path).stdout)
    assert counts.get("compute_metrics") == 4
    assert "train" not in counts and "binarise" not in counts
    assert "fit_generative" not in counts


def test_changing_a_gnm_parameter_refits_only_gnms(tiny_run, tmp_path):
    """A GNM setting reruns the fits and what follows them; the claims' bootstrap (an analysis key
    the fits do not use) reruns no fit."""
    cfg = dict(TINY_CFG, generative={**TINY_CFG["generative"], "samples": 5})
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(cfg))
    counts = job_counts(snakemake(tiny_run, "-n", configfile=path).stdout)
    assert counts.get("fit_generative") == 4 and counts.get("plot_generative") == 1
    assert "compute_metrics" not in counts and "train" not in counts
    cfg = dict(TINY_CFG, analysis={**TINY_CFG["analysis"], "claims": {"n_boot": 50}})
    path.write_text(yaml.safe_dump(cfg))
    counts = job_counts(snakemake(tiny_run, "-n", configfile=path).stdout)
    assert counts.get("claims") == 1 and "fit_generative" not in counts


def test_a_chunk_of_two_strengths_is_one_job_and_gives_the_same_networks(tiny_run, tmp_path):
    """chunk_size 2: both strengths of a population in one train job, trained side by side (one
    stack mixing strengths); each network equals the one trained in its own job to float32
    rounding (1e-6), and its file is where the layout says."""
    cfg = dict(TINY_CFG, chunk_size=2)
    path = tmp_path / "chunks.yaml"
    path.write_text(yaml.safe_dump(cfg))
    counts = job_counts(snakemake(tmp_path, "-n", configfile=path).stdout)
    assert counts["train"] == 2 and counts["compute_metrics"] == 2
    targets = [f"results/networks/{reg}/c000-n2" for reg in STRENGTHS]
    snakemake(tmp_path, *targets, configfile=path)
    for reg, labels in STRENGTHS.items():
        for lab in labels:
            with h5py.File(tmp_path / "results" / "networks" / reg / "c000-n2" / f"{lab}.h5") as f:
                assert f.attrs["stack"] == 2
                np.testing.assert_array_equal(f.attrs["chunk_strengths"], [float(x) for x in labels])
                chunked = f["seed0"]["recurrent"][()]
            with h5py.File(result_file(tiny_run, "networks", reg, lab)) as f:
                assert f.attrs["stack"] == 1
                alone = f["seed0"]["recurrent"][()]
            np.testing.assert_allclose(chunked, alone, rtol=0, atol=1e-6)
            assert not np.array_equal(chunked[-1], chunked[0])
    log = (tmp_path / "results" / "logs" / "train" / "seRNN" / "c000-n2.log").read_text()
    assert "training took" in log and "for 2 network(s)" in log
    assert all(f"strength {lab:g} seed 0: validation accuracy" in log for lab in (0.01, 0.1))


def test_run_from_scratch_is_bit_identical(tiny_run, tmp_path):
    """Every output: HDF5 datasets bit for bit, CSV, Parquet and PNG files byte for byte."""
    snakemake(tmp_path)
    n = assert_results_identical(tiny_run / "results", tmp_path / "results")
    assert n > 50


def test_bad_config_stops_before_any_job(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(dict(TINY_CFG, model={"grid": [4, 4, 4]})))
    proc = snakemake(tmp_path, "-n", configfile=path, check=False)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "model.grid" in text and "[4, 4, 4]" in text and "64" in text
    assert not (tmp_path / "results").exists()


def test_killed_training_job_leaves_no_complete_output(tiny_run, tmp_path):
    """Snakemake and its train job are killed (SIGKILL: no clean-up) in the middle of writing a
    networks file, after the first seed's datasets are in it. No file appears at the target, only
    a temporary beside it; the resumed run (``--unlock``, then the same command) removes it and
    gives outputs bit-identical to the uninterrupted run's (``tiny_run``)."""
    # Injected through sitecustomize (on PYTHONPATH, so every Python process of the run loads it):
    # once the write of networks/seRNN/0.1.h5 has created its first `recurrent` dataset, the job
    # flushes the partial file, leaves a marker and kills its whole process group.
    hook = tmp_path / "hook"
    hook.mkdir()
    marker = tmp_path / "killed"
    (hook / "sitecustomize.py").write_text(
        "import os, signal\n"
        "import h5py\n"
        "_create = h5py.Group.create_dataset\n"
        "def create_dataset(self, name, *args, **kwargs):\n"
        "    out = _create(self, name, *args, **kwargs)\n"
        "    path = self.file.filename.replace(os.sep, '/')\n"
        "    partial = '/networks/seRNN/c001-n1/.0.1.h5.' in path and path.endswith('.tmp')\n"
        "    if name == 'recurrent' and partial:\n"
        "        self.file.flush()\n"
        f"        open({str(marker)!r}, 'w').close()\n"
        "        os.killpg(os.getpgid(0), signal.SIGKILL)\n"
        "    return out\n"
        "h5py.Group.create_dataset = create_dataset\n"
    )
    work = tmp_path / "work"
    work.mkdir()
    target = work / "results" / "networks" / "seRNN" / "c001-n1" / "0.1.h5"  # chunk_size 1: 2nd chunk
    cmd = snakemake_command(work)
    env = dict(os.environ, PYTHONPATH=str(hook))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True
    )
    try:
        deadline = time.time() + 600
        while not marker.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert marker.exists(), f"the write was never interrupted (snakemake exit {proc.poll()})"
    finally:
        if proc.poll() is None:  # Snakemake itself, if the job ran in a process group of its own
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not target.exists()
    partial = list(target.parent.glob(".0.1.h5.*.tmp"))
    assert len(partial) == 1
    # really cut in the middle: a seed's recurrent, no more (no lock: the killed job may be exiting)
    with h5py.File(partial[0], "r", locking=False) as f:
        assert "seed0/recurrent" in f and "seed0/input_kernel" not in f
    # the next invocation finishes the run (after releasing the lock the killed Snakemake held)
    snakemake(work, "--unlock")
    snakemake(work)
    assert target.exists()
    assert not list((work / "results").rglob("*.tmp")), "a stale temporary file survived the rerun"
    assert assert_results_identical(tiny_run / "results", work / "results") > 50


def test_paper_preset_dry_run_job_counts(tmp_path):
    """2,305 networks in chunks of 32 (whole strengths, one seed each): at most 500 jobs, every
    network in exactly one train job."""
    proc = snakemake(tmp_path, "-n", configfile=REPO / "config" / "paper.yaml")
    counts = job_counts(proc.stdout)
    sizes = {"seRNN": 1001, "L1": 1001, "spatial": 101, "communicability": 101, "seRNN_random_task": 101}
    n_chunks = sum(-(-n // 32) for n in sizes.values())  # ceil: 32 + 32 + 4 + 4 + 4
    assert n_chunks == 76
    for rule in ("train", "binarise", "compute_metrics", "record_activity", "compute_function"):
        assert counts[rule] == n_chunks, (rule, counts)
    assert sum(counts.values()) <= 500, counts
    # GNMs only on the windows: seRNN strengths 100-600 (0-based 99-599, every 10th) lie in chunks
    # 3-18 of 32 strengths, L1 3e-4 to 0.006 (every 10th of the geomspace) in chunks 12-28; no
    # control is fitted
    fits = re.findall(
        r"rule fit_generative:\n(?:\s+\S.*\n)*?\s+wildcards: regulariser=(\w+), chunk=c(\d+)-n\d+",
        proc.stdout,
    )
    expected = [("L1", c) for c in range(12, 29)] + [("seRNN", c) for c in range(3, 19)]
    assert sorted((reg, int(c)) for reg, c in fits) == expected
    train = re.findall(
        r"rule train:\n(?:\s+\S.*\n)*?\s+wildcards: regulariser=(\w+), chunk=c(\d+)-n(\d+)", proc.stdout
    )
    per_population = {}
    for reg, _, n in train:
        per_population[reg] = per_population.get(reg, 0) + int(n)
    assert per_population == sizes
    for rule in (
        "generate_dataset",
        "aggregate",
        "comparison",
        "plot_figures",
        "plot_examples",
        "plot_generative",
    ):
        assert counts[rule] == 1, (rule, counts)


def test_resources_are_the_rules_own_with_an_empty_workflow_profile_under_slurm(tmp_path):
    """A site's own (here: empty) workflow profile with the SLURM profile: every job of the paper
    preset still asks for the memory and runtime its rule computes from its chunk's networks, not
    the SLURM profile's default-resources (1000 MB, 30 minutes): a 32-network fit_generative chunk
    gets 10 + 32 minutes."""
    empty = tmp_path / "site-profile"
    empty.mkdir()
    (empty / "config.yaml").write_text("{}\n")
    slurm = ["--profile", str(REPO / "profiles" / "slurm"), "--workflow-profile", str(empty)]
    proc = snakemake(tmp_path / "work", "-n", *slurm, configfile=REPO / "config" / "paper.yaml")
    jobs = dry_run_jobs(proc.stdout)
    assert {j["rule"] for j in jobs} >= {*CHUNK_RULES, *SUMMARY_RULES, "generate_dataset"}
    for job in jobs:
        if job["rule"] != "all":
            assert {"mem_mb", "runtime"} <= set(job["resources"]), job
    per_network = {  # (mem_mb, runtime) of a chunk of n networks, first attempt
        "train": lambda n: (4000 + 4 * n, 10 + n // 2),
        "binarise": lambda n: (1000, 5 + n // 10),
        "compute_metrics": lambda n: (2000, 10 + n // 4),
        "record_activity": lambda n: (4000, 10 + n // 4),
        "compute_function": lambda n: (2000, 10 + n // 2),
        "fit_generative": lambda n: (1000, 10 + n),
    }
    sizes = set()
    for job in (j for j in jobs if j["rule"] in per_network):
        n = int(job["wildcards"]["chunk"].split("-n")[1])
        sizes.add(n)
        got = (int(job["resources"]["mem_mb"]), int(job["resources"]["runtime"]))
        assert got == per_network[job["rule"]](n), job
    assert {32, 5, 9} <= sizes  # 1001 strengths: 31 chunks of 32 and one of 9; 101: 3 x 32 + 5
    fit32 = [j for j in jobs if j["rule"] == "fit_generative" and j["wildcards"]["chunk"].endswith("-n32")]
    # the chunks holding a strength of the GNM windows (config/paper.yaml, generative.strengths)
    assert len(fit32) == 33 and all(j["resources"]["runtime"] == "42" for j in fit32)


def test_the_workflow_profile_holds_no_rule_resources():
    """Rules set their own threads and resources; the workflow profile is for site overrides only."""
    profile = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())
    assert not {"set-threads", "set-resources", "default-resources"} & set(profile), profile


def test_summary_rules_run_locally_under_the_slurm_profile(tiny_run, tmp_path):
    """The summary rules are local rules: under the SLURM profile they run in Snakemake's own
    process, never submitted (on a machine without SLURM a submission fails: no sbatch/sacct)."""
    work = tmp_path / "work"
    shutil.copytree(tiny_run, work, symlinks=True)
    proc = snakemake(
        work,
        "--profile",
        str(REPO / "profiles" / "slurm"),
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--forcerun",
        "aggregate",
        "plot_examples",
    )
    out = proc.stdout + proc.stderr
    for rule in SUMMARY_RULES:
        assert f"localrule {rule}:" in out and f"(Rule: {rule})" in out, rule
    assert "submitted" not in out.lower(), out[-3000:]
    assert not re.search(r"^rule \w+:", out, re.M), "a job ran as a cluster job"


def test_html_report_has_every_figure_and_caption(tiny_run):
    report = tiny_run / "report.html"
    snakemake(tiny_run, "--report", str(report))
    text = report.read_text(errors="replace")
    assert report.stat().st_size > 100_000
    for name in (
        "accuracy_vs_strength.png",
        "metrics_vs_strength.png",
        "trajectories.png",
        "function_vs_strength.png",
        "function_over_time.png",
        "example_networks.png",
        "metrics_vs_total_weight.png",
        "function_vs_total_weight.png",
        "claims.csv",
        "comparison.csv",
        "metrics.csv",
        "gnm_energy_by_rule.png",
        "gnm_matching_vs_strength.png",
        "gnm_matching_vs_total_weight.png",
        "gnm_landscape.png",
        "gnm_matching_by_epoch.png",
        "gnm_robust_by_rule.png",
        "claims_controls.csv",
        "gnm_best_rules.csv",
    ):
        assert name in text, name
    for caption_words in (
        "Cohen's d",
        "matched validation accuracy",
        "Newman's spectral method",
        "mean absolute activation",
        "Generative models",
        "largest of four",
        "Voronoi search",
        "energy landscape of the matching rule",
    ):
        assert caption_words in text, caption_words


def test_metrics_of_trained_networks_match_bctpy(tiny_run):
    """The structural measures of the trained tiny networks, every epoch, against bctpy (the
    numbers in the metrics tables are the ones checked)."""
    import bct

    from sernn import binarise, graphs, storage

    for reg, labels in STRENGTHS.items():
        for lab in labels:
            nets = storage.read_networks(result_file(tiny_run, "networks", reg, lab))
            table = storage.read_table(result_file(tiny_run, "metrics", reg, lab))
            rec = nets["seeds"][0]["recurrent"]
            for epoch in range(rec.shape[0]):
                a = binarise.undirected(binarise.binarise(rec[epoch])).astype(float)
                row = {k: v[epoch] for k, v in table.items()}
                assert row["clustering"] == pytest.approx(np.mean(bct.clustering_coef_bu(a)), abs=1e-10)
                assert row["path_length"] == pytest.approx(
                    bct.charpath(bct.distance_bin(a), include_infinite=False)[0], abs=1e-10
                )
                assert row["efficiency"] == pytest.approx(bct.efficiency_bin(a), abs=1e-10)
                w = np.abs(rec[epoch]).astype(float)
                np.fill_diagonal(w, 0)
                assert row["weighted_efficiency"] == pytest.approx(bct.efficiency_wei(w), abs=1e-10)
                m_all = bct.matching_ind(a)[2]
                assert row["matching_index"] == pytest.approx(m_all.sum() / (100 * 99), abs=1e-10)
                assert row["total_weight"] == pytest.approx(w.sum(), rel=1e-10)
                assert row["density"] == pytest.approx(graphs.density(a), abs=1e-12)
