"""The claims table: the authors' small-worldness (C / C_null), comparisons at matched total weight
on synthetic populations (planted effects recovered, sparsity-only differences not reported), and
verdicts that follow the data."""

import bct
import numpy as np
import pandas as pd
import pytest
from conftest import REPO, job_counts, result_file, snakemake

from sernn import analysis, claims, nulls, steps
from sernn import config as sernn_config
from sernn.metrics import network_metrics

# -- clustering_ratio ---------------------------------------------------------------------------


def test_clustering_ratio_is_c_over_c_null_and_the_authors_sigma():
    n, m, n_nulls, seed = 60, 180, 40, 11
    A = nulls.random_graphs(n, m, 1, seed=3)[0]
    W = np.random.default_rng(0).normal(size=(n, n))
    D = np.abs(np.subtract.outer(np.arange(n), np.arange(n))).astype(float)
    out = network_metrics(W, A, D, n_nulls=n_nulls, seed=seed)
    # the very null graphs network_metrics measures (its first seed stream), measured by bctpy
    null_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[0])
    graphs = nulls.random_graphs(n, m, n_nulls, seed=null_rng).astype(float)
    C = np.mean(bct.clustering_coef_bu(A.astype(float)))
    C_null = np.mean([np.mean(bct.clustering_coef_bu(g)) for g in graphs])
    assert out["clustering_ratio"] == pytest.approx(C / C_null, rel=1e-12)
    # the authors' sigma: charpath of the adjacency itself (not of its distance matrix) is the same
    # number for the network and every density-matched null, so it cancels
    lam = bct.charpath(A.astype(float))[0]
    lam_null = np.mean([bct.charpath(g)[0] for g in graphs])
    assert lam == pytest.approx(lam_null, rel=1e-12)
    assert (C / C_null) / (lam / lam_null) == pytest.approx(out["clustering_ratio"], rel=1e-12)
    assert out["clustering_ratio"] != pytest.approx(out["small_worldness"], rel=1e-3)


# -- synthetic populations ----------------------------------------------------------------------


def population(seed, *, effect=0.0, confound=1.0, n=40, shift=0.0, measures=None):
    """A summary table of two populations, seRNN and L1, at epoch 9: log total weight on [4, 6]
    (seRNN, denser towards 6) and [4 - shift, 6 - shift] (L1, denser towards its low end), so that
    even on their common range the seRNNs are the heavier networks; each measure is
    confound * f(log total weight) + effect[measure] (seRNN only, in sd units) + N(0, 1) noise,
    with f curved (quadratic): without an effect the populations differ through total weight alone."""
    rng = np.random.default_rng(seed)
    measures = measures or [c.measure for c in claims.CLAIMS if c.measure not in claims.DERIVED]
    rows = []
    for reg, lo in (("seRNN", 4.0), ("L1", 4.0 - shift)):
        u = np.sqrt(rng.random(n))
        lw = lo + 2.0 * (u if reg == "seRNN" else 1.0 - u)
        row = {
            "regulariser": reg,
            "epoch": 9,
            "strength": np.arange(n) / n,
            "seed": 0,
            "passes_accuracy_filter": True,
            "val_accuracy": 0.95,
            "total_weight": np.exp(lw),
        }
        for m in measures:
            f = 1.5 * (lw - 3.0) ** 2
            eff = effect.get(m, 0.0) if isinstance(effect, dict) else effect
            row[m] = confound * f + (eff if reg == "seRNN" else 0.0) + rng.normal(size=n)
        rows.append(pd.DataFrame(row))
    df = pd.concat(rows, ignore_index=True)
    if "goal_cluster_z" not in df:
        df["goal_cluster_z"] = df["choice_cluster_z"] = rng.normal(size=len(df))
    return df


def weight_row(table, metric):
    sel = table[(table["metric"] == metric) & (table["matched"] == "total_weight")]
    assert len(sel) == 1
    return sel.iloc[0]


def test_sparsity_only_difference_is_not_reported():
    # every measure depends on total weight only; the populations differ in total weight
    false_positive = support_only = 0
    for seed in range(20):
        df = population(seed, measures=["energy"])
        table = analysis.compare(df, 9, metrics=["energy"])
        raw = table[(table["metric"] == "energy") & (table["matched"] == "none")].iloc[0]
        assert raw["p"] < 1e-3 and abs(raw["cohens_d"]) > 0.8  # unmatched: a large "effect"
        false_positive += weight_row(table, "energy")["p"] < 0.05
        # restricting to the common range alone is not enough: the covariate model is needed
        se, l1 = df[df["regulariser"] == "seRNN"], df[df["regulariser"] == "L1"]
        ya, la, yb, lb, _ = analysis.on_support(
            se["energy"], se["total_weight"], l1["energy"], l1["total_weight"]
        )
        support_only += analysis.welch(ya, yb)[1] < 0.05
    assert false_positive <= 3  # 5 % expected under no effect; measured: 0 of 20
    assert support_only >= 12  # measured: 15 of 20


def test_planted_effect_at_matched_weight_is_recovered():
    for seed, effect in ((0, 1.0), (1, -1.0), (2, 0.7)):
        df = population(seed, effect=effect, n=100, measures=["energy"])
        row = weight_row(analysis.compare(df, 9, metrics=["energy"]), "energy")
        se = row["difference"] / row["t"]
        assert row["p"] < 0.01 and se < 0.4
        assert abs(row["difference"] - effect) < 3 * se
        assert abs(row["cohens_d"] - effect) < 3 * se + 0.1  # noise sd 1: d = effect
        # only networks on the common support enter, and the support is reported
        lw = np.log(df["total_weight"])
        lo = max(lw[df["regulariser"] == r].min() for r in ("seRNN", "L1"))
        hi = min(lw[df["regulariser"] == r].max() for r in ("seRNN", "L1"))
        assert row["weight_lo"] == pytest.approx(np.exp(lo)) and row["weight_hi"] == pytest.approx(np.exp(hi))
        inside = (lw >= lo) & (lw <= hi)
        assert row["n_a"] == (inside & (df["regulariser"] == "seRNN")).sum()
        assert row["n_b"] == (inside & (df["regulariser"] == "L1")).sum()


def test_adjusted_difference_by_frisch_waugh_lovell():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 3, 50)
    g = (rng.random(50) < 0.5).astype(float)
    y = 0.4 * g + np.sin(x) + rng.normal(0, 0.3, 50)
    fit = analysis.adjusted_difference(y, g, x, degree=2)
    # partial regression: residualise y and g on a quadratic in x (numpy's polyfit), then regress
    z = (x - x.mean()) / x.std()
    ry = y - np.polyval(np.polyfit(z, y, 2), z)
    rg = g - np.polyval(np.polyfit(z, g, 2), z)
    b1 = (ry @ rg) / (rg @ rg)
    sse = np.sum((ry - b1 * rg) ** 2)
    se = np.sqrt(sse / (50 - 4) / (rg @ rg))
    assert fit["difference"] == pytest.approx(b1, rel=1e-10)
    assert fit["se"] == pytest.approx(se, rel=1e-10)
    assert fit["d"] == pytest.approx(b1 / np.sqrt(sse / 46), rel=1e-10)
    from scipy import stats

    assert fit["p"] == pytest.approx(2 * stats.t.sf(abs(b1 / se), 46), rel=1e-8)
    # no covariate variation within the support: the design is rank-deficient -> nan, not a number
    assert np.isnan(analysis.adjusted_difference(y, g, np.ones(50))["d"])
    # a measure at its ceiling in every network has no difference to test (not rounding noise)
    ceiling = analysis.adjusted_difference(np.ones(50), g, x)
    assert np.isnan(ceiling["d"]) and np.isnan(ceiling["p"])


def test_non_overlapping_populations_are_not_compared():
    df = population(0, effect=2.0, shift=3.0, measures=["energy"])  # [4, 6] against [1, 3]
    row = weight_row(analysis.compare(df, 9, metrics=["energy"]), "energy")
    assert row["n_a"] == 0 and row["n_b"] == 0 and np.isnan(row["cohens_d"]) and np.isnan(row["p"])


# -- the claims table ---------------------------------------------------------------------------

EXPECTED = {c.measure: c.expected for c in claims.CLAIMS}


def planted_claims(seed, sign=+1.0, size=1.2):
    """Every claim's measure with a planted effect of ``size`` sd in the paper's direction
    (sign +1) or against it (-1), on top of a sparsity confound."""
    effect = {m: sign * size * e for m, e in EXPECTED.items()}
    df = population(seed, effect=effect)
    rng = np.random.default_rng(seed + 100)
    lw = np.log(df["total_weight"].to_numpy())
    is_se = (df["regulariser"] == "seRNN").to_numpy()
    base = 1.5 * (lw - 3.0) ** 2 + sign * size * EXPECTED["function_cluster_z"] * is_se
    df["goal_cluster_z"] = base + rng.normal(size=len(df))
    df["choice_cluster_z"] = base + rng.normal(size=len(df))
    return df


def verdicts(df, **kw):
    return dict(zip(*claims.evaluate_claims(df, 9, n_boot=300, seed=1, **kw)[["claim", "verdict"]].T.values))


def test_claims_follow_the_data():
    holds = claims.evaluate_claims(planted_claims(0), 9, n_boot=300, seed=1)
    assert list(holds["claim"]) == [c.claim for c in claims.CLAIMS]
    assert list(holds.columns) == list(claims.CLAIM_COLUMNS)
    assert set(holds["verdict"]) == {"holds"}, holds[["claim", "cohens_d", "p", "verdict"]]
    assert (holds["ci_low"] < holds["cohens_d"]).all() and (holds["cohens_d"] < holds["ci_high"]).all()
    assert (np.sign(holds["cohens_d"]) == [c.expected for c in claims.CLAIMS]).all()
    assert set(verdicts(planted_claims(0, sign=-1.0)).values()) == {"reversed"}
    # no effect beyond the sparsity confound: nothing is claimed
    none = verdicts(population(0))
    assert sum(v == "not seen" for v in none.values()) >= 5 and "holds" not in none.values()


def test_claims_change_with_one_measure():
    df = planted_claims(3)
    before = verdicts(df)
    df.loc[df["regulariser"] == "seRNN", "energy"] += 3.0  # seRNNs now use more energy
    after = verdicts(df)
    assert before["energy"] == "holds" and after["energy"] == "reversed"
    assert {k: v for k, v in before.items() if k != "energy"} == {
        k: v for k, v in after.items() if k != "energy"
    }


def test_bootstrap_interval_is_seeded():
    df = planted_claims(5)
    a = claims.evaluate_claims(df, 9, n_boot=200, seed=7)
    b = claims.evaluate_claims(df, 9, n_boot=200, seed=7)
    c = claims.evaluate_claims(df, 9, n_boot=200, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ci_low"], c["ci_low"])
    assert (a["cohens_d"] == c["cohens_d"]).all()


@pytest.mark.parametrize("case", ["no L1", "none passing", "no function", "other epoch", "empty"])
def test_missing_population_gives_not_tested(case, tmp_path):
    df = planted_claims(2)
    if case == "no L1":
        df = df[df["regulariser"] != "L1"]
    elif case == "none passing":
        df["passes_accuracy_filter"] = False
    elif case == "no function":
        df = df.drop(columns=["energy", "mixed_selectivity", "goal_cluster_z", "choice_cluster_z"])
    elif case == "other epoch":
        df["epoch"] = 2
    else:
        df = df.iloc[0:0]
    csv = tmp_path / "metrics.csv"
    df.to_csv(csv, index=False)
    out = tmp_path / "claims.csv"
    steps.summary.paper_claims(csv, out, {"epoch": 9, "claims": {"n_boot": 50}})
    table = pd.read_csv(out)
    assert len(table) == len(claims.CLAIMS)
    untested = table[table["verdict"] == "not tested"]
    if case == "no function":
        assert set(untested["claim"]) == {"functional clustering in space", "mixed selectivity", "energy"}
        assert (table.loc[table["verdict"] != "not tested", "n_b"] > 0).all()
    else:
        assert len(untested) == len(table)
    assert untested[["cohens_d", "ci_low", "ci_high", "p"]].isna().all().all()


# -- the population preset ----------------------------------------------------------------------


@pytest.mark.slow
def test_population_preset_dry_run_job_counts(tmp_path):
    preset = sernn_config.load_yaml(REPO / "config" / "population.yaml")
    pops = sernn_config.populations(preset)
    assert {k: len(v["strengths"]) for k, v in pops.items()} == {"seRNN": 8, "L1": 8}
    assert pops["seRNN"]["strengths"][0] == 0.02 and pops["seRNN"]["strengths"][-1] == 0.3
    assert pops["L1"]["strengths"][0] == 0.001 and pops["L1"]["strengths"][-1] == 0.01
    assert len(preset["seeds"]) == 8
    proc = snakemake(tmp_path, "-n", "--quiet", "rules", configfile=REPO / "config" / "population.yaml")
    counts = job_counts(proc.stdout)
    for rule in ("train", "binarise", "compute_metrics", "record_activity", "compute_function"):
        assert counts[rule] == 16, (rule, counts)  # one job per strength trains its 8 seeds
    for rule in ("generate_dataset", "aggregate", "comparison", "claims", "plot_figures", "plot_examples"):
        assert counts[rule] == 1, (rule, counts)


@pytest.mark.slow
def test_tiny_run_writes_the_claims_table_first_in_the_report(tiny_run):
    table = pd.read_csv(tiny_run / "results" / "summary" / "claims.csv")
    assert list(table["claim"]) == [c.claim for c in claims.CLAIMS]
    assert list(table.columns) == list(claims.CLAIM_COLUMNS)
    # 2 networks per regulariser at most: too few on the common support to test anything
    assert set(table["verdict"]) == {"not tested"}
    summary = pd.read_csv(tiny_run / "results" / "summary" / "metrics.csv")
    for col in (
        "modularity_weighted",
        "clustering_ratio",
        "ev_goal_delay_end",
        "decoding_goal_delay_end_noisy",
        "ev_goal_delay_end_noisy",
        "weight_entropy",
        "topological_entropy",
        "spectral_radius",
        "spectral_spread",
    ):
        assert col in summary.columns and summary[col].notna().any(), col
    comp = pd.read_csv(tiny_run / "results" / "summary" / "comparison.csv")
    assert {"weight_entropy", "spectral_radius", "spectral_spread"} <= set(comp["metric"])
    assert {"none", "accuracy", "total_weight"} == set(comp["matched"])
    from sernn import storage

    clean = storage.read_activity(result_file(tiny_run, "activity", "seRNN", "0.1"))
    noisy = storage.read_activity(result_file(tiny_run, "activity_noisy", "seRNN", "0.1"))
    assert noisy["attrs"]["input_noise_std"] == 0.05
    a, b = clean["seeds"][0]["activity"], noisy["seeds"][0]["activity"]
    assert a.shape == b.shape and not np.array_equal(a, b)
    assert np.array_equal(clean["probe"]["goal"], noisy["probe"]["goal"])
    for name in ("metrics_vs_total_weight.png", "function_vs_total_weight.png"):
        assert (tiny_run / "results" / "summary" / "figures" / name).stat().st_size > 10_000
    report = tiny_run / "claims_report.html"
    snakemake(tiny_run, "--report", str(report))
    text = report.read_text(errors="replace")
    assert "1. Claims" in text and "claims.csv" in text and "matched total weight" in text
