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

ALL = claims.CLAIMS + claims.GNM_CLAIMS

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
    measures = measures or [c.measure for c in ALL if c.measure not in claims.DERIVED]
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

EXPECTED = {c.measure: c.expected for c in ALL}


def plant_spatial_rule(df, seed, advantage=0.0):
    """The spatial rule's robust energy of every network: its matching energy + N(0, 0.1) noise,
    plus ``advantage`` sd of that noise in the seRNNs: advantage > 0 plants "matching beats the
    spatial rule" in seRNNs, by far less than the between-network spread of the energies."""
    rng = np.random.default_rng(seed + 200)
    is_se = (df["regulariser"] == "seRNN").to_numpy()
    df["gnm_robust_energy_sptl"] = (
        df["gnm_robust_energy_matching"] + 0.1 * rng.normal(size=len(df)) + 0.1 * advantage * is_se
    )
    return df


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
    # the paired claim: matching - sptl below 0 by the planted size (sign +1) or above (-1)
    return plant_spatial_rule(df, seed, advantage=sign * size)


def verdicts(df, **kw):
    return dict(zip(*claims.evaluate_claims(df, 9, n_boot=300, seed=1, **kw)[["claim", "verdict"]].T.values))


def test_claims_follow_the_data():
    holds = claims.evaluate_claims(planted_claims(0), 9, n_boot=300, seed=1)
    assert list(holds["claim"]) == [c.claim for c in ALL]
    assert list(holds.columns) == list(claims.CLAIM_COLUMNS)
    assert set(holds["verdict"]) == {"holds"}, holds[["claim", "cohens_d", "p", "verdict"]]
    assert (holds["ci_low"] < holds["cohens_d"]).all() and (holds["cohens_d"] < holds["ci_high"]).all()
    assert (np.sign(holds["cohens_d"]) == [c.expected for c in ALL]).all()
    assert (holds["p_holm"] >= holds["p"]).all()
    assert set(verdicts(planted_claims(0, sign=-1.0)).values()) == {"reversed"}
    # no effect beyond the sparsity confound: nothing is claimed
    none = verdicts(plant_spatial_rule(population(0), 0))
    assert sum(v == "not seen" for v in none.values()) >= 7 and "holds" not in none.values()


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
    assert len(table) == len(ALL)
    untested = table[table["verdict"] == "not tested"]
    if case == "no function":
        assert set(untested["claim"]) == {"functional clustering in space", "mixed selectivity", "energy"}
        assert (table.loc[table["verdict"] != "not tested", "n_b"] > 0).all()
    elif case == "no L1":  # the paired claim is within the seRNNs: still tested
        assert set(table.loc[table["verdict"] != "not tested", "claim"]) == {
            "homophily beats the spatial rule"
        }
    else:
        assert len(untested) == len(table)
    assert untested[["cohens_d", "ci_low", "ci_high", "p"]].isna().all().all()


# -- the generative-model claims ----------------------------------------------------------------

MATCHING, PAIRED = (c.claim for c in claims.GNM_CLAIMS)


def gnm_population(seed, matching_effect=0.0, spatial_advantage=0.0, n=80):
    """seRNN and L1 robust matching energies with a sparsity confound (as ``population``) and, in
    seRNNs, a planted matching advantage of ``matching_effect`` sd (negative: lower energy) at
    matched total weight; the spatial rule as ``plant_spatial_rule``; n networks per group."""
    df = population(
        seed,
        effect={"gnm_robust_energy_matching": matching_effect},
        measures=["gnm_robust_energy_matching"],
        n=n,
    )
    return plant_spatial_rule(df, seed, spatial_advantage)


def gnm_verdicts(df):
    table = claims.evaluate_claims(df, 9, n_boot=300, seed=1, claims=claims.GNM_CLAIMS)
    return dict(zip(table["claim"], table["verdict"])), table


def test_planted_matching_advantage_is_found_and_absent_one_is_not():
    found, table = gnm_verdicts(gnm_population(0, matching_effect=-1.2, spatial_advantage=1.2))
    assert found == {MATCHING: "holds", PAIRED: "holds"}, table
    row = table.set_index("claim").loc[MATCHING]
    assert row["paper"] == "seRNN < L1" and row["matched"] == "total_weight" and row["cohens_d"] < 0
    holds_none = 0
    for seed in range(10):
        none, _ = gnm_verdicts(gnm_population(seed))
        assert set(none.values()) <= {"not seen", "holds"}
        holds_none += sum(v == "holds" for v in none.values())
    assert holds_none <= 1  # 20 tests without an effect, Holm over 2 per table (measured: 0)


def test_gnm_verdicts_flip_with_the_data():
    df = gnm_population(1, matching_effect=-1.2, spatial_advantage=1.2)
    assert set(gnm_verdicts(df)[0].values()) == {"holds"}
    se = df["regulariser"] == "seRNN"
    worse = df.copy()
    worse.loc[se, "gnm_robust_energy_matching"] += 2.5  # seRNNs now fit matching worse than L1
    worse.loc[se, "gnm_robust_energy_sptl"] -= 0.3  # and the spatial rule better than matching
    assert gnm_verdicts(worse)[0] == {MATCHING: "reversed", PAIRED: "reversed"}


def test_homophily_claim_is_a_paired_t_test():
    from scipy import stats

    df = gnm_population(2, spatial_advantage=0.5)
    table = gnm_verdicts(df)[1].set_index("claim")
    se = df[df["regulariser"] == "seRNN"]
    m, s = se["gnm_robust_energy_matching"].to_numpy(), se["gnm_robust_energy_sptl"].to_numpy()
    row = table.loc[PAIRED]
    assert row["p"] == pytest.approx(stats.ttest_rel(m, s).pvalue, rel=1e-10)
    diff = m - s
    assert row["cohens_d"] == pytest.approx(diff.mean() / diff.std(ddof=1), rel=1e-12)
    assert row["n_a"] == row["n_b"] == len(se) and row["matched"] == "paired" and row["group_b"] == ""
    assert row["mean_a"] == pytest.approx(m.mean()) and row["mean_b"] == pytest.approx(s.mean())
    # the pairing matters: the energies' between-network spread (the sparsity confound) hides the
    # within-network difference from an unpaired test
    assert row["p"] < 1e-3 and stats.ttest_ind(m, s).pvalue > 0.5
    # networks failing the filter or without a fit do not enter
    df.loc[df.index[:5], "passes_accuracy_filter"] = False
    df.loc[df.index[5:8], "gnm_robust_energy_sptl"] = np.nan
    assert gnm_verdicts(df)[1].set_index("claim").loc[PAIRED, "n_a"] == len(se) - 8


def test_holm_adjustment():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.5])
    # by hand: sorted 0.01, 0.03, 0.04, 0.5 (m = 4) -> 0.04, 0.09, max(0.09, 0.08), max(0.09, 0.5)
    np.testing.assert_allclose(claims.holm(p), [0.04, 0.09, 0.09, np.nan, 0.5])
    assert np.isnan(claims.holm(np.array([np.nan]))).all()
    np.testing.assert_allclose(claims.holm(np.array([0.2, 0.6])), [0.4, 0.6])


def test_verdict_uses_the_holm_adjusted_p():
    # only energy carries an effect (small): raw p below 0.05, the smallest of the 8 tested claims,
    # so Holm multiplies it by 8
    df = plant_spatial_rule(population(0), 0)
    rng = np.random.default_rng(0)
    lw = np.log(df["total_weight"].to_numpy())
    df["energy"] = 1.5 * (lw - 3.0) ** 2 - 0.6 * (df["regulariser"] == "seRNN") + rng.normal(size=len(df))
    table = claims.evaluate_claims(df, 9, n_boot=300, seed=1).set_index("claim")
    row = table.loc["energy"]
    assert table["p"].notna().sum() == 8 and row["p"] == table["p"].min()
    assert row["p_holm"] == pytest.approx(8 * row["p"], rel=1e-12)
    assert row["p"] < 0.05 < row["p_holm"] and row["ci_high"] < 0  # the case under test
    assert row["verdict"] == "not seen"
    assert claims.verdict(row["cohens_d"], (row["ci_low"], row["ci_high"]), row["p"], -1) == "holds"


# -- the control populations --------------------------------------------------------------------


CONTROL_CLAIMS = claims.CLAIMS + claims.GNM_CLAIMS[:1]


def with_controls(seed):
    """``planted_claims`` (seRNN vs L1 hold) plus three controls on the same total-weight range,
    each a copy of one population with N(0, 0.3) noise added to every measure: spatial-only copies
    L1 (the seRNN effects hold against it), communicability-only copies the seRNNs (nothing to
    find), a random-task population (type seRNN) copies the seRNNs with 2 x the planted effect
    added (the seRNNs' effects reversed against it) and fails the accuracy filter."""
    df = planted_claims(seed).assign(task="maze", diverged=False)
    df["regulariser_type"] = df["regulariser"]
    se, l1 = df[df["regulariser"] == "seRNN"], df[df["regulariser"] == "L1"]
    rng = np.random.default_rng(seed + 300)
    columns = {m: claims.DERIVED[m][0] if m in claims.DERIVED else (m,) for m in EXPECTED}
    parts = [df]
    for name, kind, task, like in (
        ("spatial", "spatial", "maze", l1),
        ("communicability", "communicability", "maze", se),
        ("seRNN_random_task", "seRNN", "random", se),
    ):
        part = like.copy()
        part["regulariser"], part["regulariser_type"], part["task"] = name, kind, task
        for cols in columns.values():
            for c in cols:
                part[c] = part[c].to_numpy() + 0.3 * rng.normal(size=len(part))
        if task == "random":
            for c in CONTROL_CLAIMS:
                for col in columns[c.measure]:
                    part[col] += 2.4 * c.expected
            part["passes_accuracy_filter"] = False
            part["val_accuracy"] = 0.25
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_control_claims_follow_the_data():
    df = with_controls(0)
    assert claims.control_populations(df) == [
        ("spatial", "spatial only"),
        ("communicability", "communicability only"),
        ("seRNN_random_task", "random task"),
    ]
    table = claims.evaluate_controls(df, 9, n_boot=300, seed=1)
    expected_claims = [c.claim for c in CONTROL_CLAIMS]
    assert list(table.columns) == ["control", *claims.CLAIM_COLUMNS]
    assert list(table["claim"]) == expected_claims * 3
    by = {k: dict(zip(g["claim"], g["verdict"])) for k, g in table.groupby("control")}
    assert set(by["spatial only"].values()) == {"holds"}, table
    assert (
        "holds" not in by["communicability only"].values()
        and "reversed" not in by["communicability only"].values()
    )
    assert set(by["random task"].values()) == {"reversed"}, table
    rnd = table[table["control"] == "random task"]
    assert (rnd["n_b"] > 0).all() and (rnd["filter_b"] == claims.NOT_DIVERGED).all()
    assert (table.loc[table["control"] != "random task", "filter_b"] == "passes_accuracy_filter").all()
    assert (table["p_holm"] >= table["p"]).all() and table["paper"].iloc[0] == "seRNN > spatial"
    # a diverged random-task network never enters
    df.loc[(df["regulariser"] == "seRNN_random_task").to_numpy() & (df.index % 2 == 0), "diverged"] = True
    again = claims.evaluate_controls(df, 9, n_boot=300, seed=1)
    assert (again.loc[again["control"] == "random task", "n_b"] < rnd["n_b"].to_numpy()).all()


def test_control_verdict_flips_and_no_controls_gives_an_empty_table():
    df = with_controls(1)
    comm = df["regulariser"] == "communicability"
    df.loc[comm, "energy"] -= 3.0  # communicability-only networks now use far less energy than seRNNs
    table = claims.evaluate_controls(df, 9, n_boot=300, seed=1)
    row = table[(table["control"] == "communicability only") & (table["claim"] == "energy")].iloc[0]
    assert row["verdict"] == "reversed"
    plain = claims.evaluate_controls(planted_claims(0), 9, n_boot=50)
    assert len(plain) == 0 and list(plain.columns) == ["control", *claims.CLAIM_COLUMNS]


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
    assert list(table["claim"]) == [c.claim for c in ALL]
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


# -- GNM protocol end to end ----------------------------------------------------------------------


def test_best_rule_fractions():
    rows = []
    for reg, best in (("seRNN", ["matching", "matching", "sptl", "matching"]), ("L1", ["sptl", "deg-avg"])):
        for k, rule in enumerate(best):
            rows.append(
                {
                    "regulariser": reg,
                    "epoch": 9,
                    "gnm_fitted": True,
                    "passes_accuracy_filter": True,
                    "gnm_robust_best_rule": rule,
                    "gnm_best_rule": "clu-avg" if k == 0 else rule,
                }
            )
    rows.append({**rows[0], "passes_accuracy_filter": False})  # fails the filter: not counted
    rows.append({**rows[0], "epoch": 5})  # another epoch: not counted
    t = claims.best_rule_fractions(pd.DataFrame(rows), 9, ["sptl", "matching", "clu-avg", "deg-avg"])
    se = t[t["regulariser"] == "seRNN"].set_index("rule")
    assert (se["n_networks"] == 4).all() and se.loc["matching", "n_robust"] == 3
    assert se.loc["matching", "fraction_robust"] == 0.75 and se.loc["sptl", "fraction_robust"] == 0.25
    assert se.loc["clu-avg", "n_minimum"] == 1 and se.loc["matching", "n_minimum"] == 2
    l1 = t[t["regulariser"] == "L1"].set_index("rule")
    assert l1["fraction_robust"].sum() == 1 and l1.loc["deg-avg", "fraction_robust"] == 0.5
    assert len(claims.best_rule_fractions(pd.DataFrame({"epoch": [9]}), 9, ["sptl"])) == 0


@pytest.mark.slow
def test_gnm_window_density_robust_and_controls_end_to_end(tmp_path):
    """The tiny run (every network passing the filter) with GNMs at 5 % density on a window of the
    seRNN strengths (L1 not fitted), robust energies, and a spatial-only control: only the window's
    files are fitted, at the density, the robust columns and the control table are written, the
    report renders the protocol, and a forced refit gives the same files bit for bit."""
    import shutil

    import yaml
    from conftest import TINY, assert_h5_trees_identical

    from sernn import storage

    cfg = sernn_config.load_yaml(TINY)
    cfg["regularisers"]["spatial"] = {"strengths": [0.001]}
    cfg["analysis"]["accuracy_threshold"] = 0.0  # the tiny networks pass: the figures show the fits
    cfg["generative"].update(
        density=0.05, strengths={"seRNN": {"min": 0.05}, "L1": False}, robust={"top_k": 2, "repeats": 2}
    )
    config_file = tmp_path / "window.yaml"
    config_file.write_text(yaml.safe_dump(cfg))
    work = tmp_path / "run"
    snakemake(work, configfile=config_file)
    gen_dir = work / "results" / "generative"
    files = sorted(p.relative_to(gen_dir).as_posix() for p in gen_dir.rglob("*.h5"))
    assert [f.split("/")[0] + "/" + f.split("/")[-1] for f in files] == ["seRNN/0.1.h5", "spatial/0.001.h5"]
    gen = storage.read_generative(gen_dir / files[0])
    assert gen["attrs"]["density"] == 0.05 and gen["attrs"]["robust_top_k"] == 2
    assert gen["seeds"][0][2]["attrs"]["edges"] == round(0.05 * 4950)
    summary = pd.read_csv(work / "results" / "summary" / "metrics.csv")
    at = summary[summary["epoch"] == 2].set_index(["regulariser", "strength"])
    assert np.isfinite(at.loc[("seRNN", 0.1), "gnm_robust_energy_matching"])
    assert at.loc[[("seRNN", 0.01), ("L1", 0.001), ("L1", 0.01)], "gnm_robust_energy_matching"].isna().all()
    controls = pd.read_csv(work / "results" / "summary" / "claims_controls.csv")
    assert set(controls["control"]) == {"spatial only"} and len(controls) == len(CONTROL_CLAIMS)
    assert (work / "results" / "summary" / "gnm_best_rules.csv").is_file()
    for name in ("gnm_matching_by_epoch.png", "gnm_robust_by_rule.png"):
        assert (work / "results" / "summary" / "figures" / name).stat().st_size > 10_000
    report = work / "report.html"
    snakemake(work, "--report", str(report), configfile=config_file)
    text = report.read_text(errors="replace")
    assert "claims_controls.csv" in text and "target binarised at density 0.05" in text
    assert "seRNN 0.1 (1 of 2)" in text and "L1 none" in text and "2 best points re-simulated 2 times" in text
    # a forced refit: the same files
    shutil.copytree(gen_dir, tmp_path / "first")
    snakemake(work, "--forcerun", "fit_generative", configfile=config_file)
    assert assert_h5_trees_identical(tmp_path / "first", gen_dir) > 20
