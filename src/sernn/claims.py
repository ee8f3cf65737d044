"""The paper's claims, tested on the data: seRNN vs L1 at matched total weight, and seRNN vs each
control population.

Achterberg, Akarca et al. (2023) report that seRNNs, compared with L1-regularised networks, are
modular and small-world, that their weights fall with distance, that functionally similar units sit
together in space, and that their code is mixed-selective and energy-efficient. ``evaluate_claims``
turns each statement into one row computed from the summary table (one row per network and epoch,
``results/summary/metrics.csv``): the measure used, the direction the paper states, the comparison
at matched total weight (``sernn.analysis.matched_weight_effect``: networks on the common support of
total weight, OLS with a polynomial in log total weight as covariate), Cohen's d with a seeded
percentile-bootstrap 95% interval, p, n per group, and a verdict:

- "holds": p < alpha, the bootstrap interval excludes 0, and d has the paper's sign;
- "reversed": the same, with the opposite sign;
- "not seen": otherwise;
- "not tested": a group or the measure is missing, or fewer than ``MIN_N`` networks per group lie
  on the common support (every value empty).

Two claims are about generative network models (the paper's seventh finding): the robust matching
energy (``gnm_robust_energy_matching``, lower = better fit) compared as above, and a paired claim
within the seRNNs: per network, matching's robust energy minus the spatial rule's, below 0, by a
paired t-test across networks (a one-sample t-test of the differences against 0; effect size
d_z = mean / sd of the differences, bootstrap over networks). With several claims in one table, the
verdict uses ``p_holm``, p adjusted over the table's tested rows by Holm's step-down method; the raw
``p`` is kept beside it.

``evaluate_controls`` asks the same of the control populations (spatial-only, communicability-only,
random task): seRNN against each control on the same measures at matched total weight, a verdict
"holds" meaning that the seRNNs differ from the control in the direction they differ from L1
networks (the finding needs the full penalty, or learning the task). Random-task networks cannot
pass an accuracy filter (their labels carry no information), so they enter when not diverged.

Nothing here reads files or draws unseeded random numbers; the same table and seed give the same
rows.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .analysis import WEIGHT_COLUMN, WEIGHT_DEGREE, cohens_d, matched_weight_effect, on_support

__all__ = [
    "Claim",
    "CLAIMS",
    "GNM_CLAIMS",
    "CONTROL_KINDS",
    "CLAIM_COLUMNS",
    "MIN_N",
    "claim_values",
    "bootstrap_d_interval",
    "paired_effect",
    "bootstrap_dz_interval",
    "holm",
    "verdict",
    "evaluate_claims",
    "control_populations",
    "evaluate_controls",
    "best_rule_fractions",
]


class Claim(NamedTuple):
    """One statement of the paper: ``measure`` (a column of the summary, or a derived one in
    ``DERIVED``) is higher (``expected`` +1) or lower (-1) in seRNNs than in L1 networks."""

    claim: str
    measure: str
    expected: int
    statement: str
    #: "matched": group a vs group b at matched total weight; "paired": the measure (a per-network
    #: difference) of group a against 0, across its networks
    kind: str = "matched"


#: The paper's claims, in the order of the table. The structural measures are the authors' (Q of the
#: weighted network, made undirected as ``sernn.modularity.weighted_modularity`` states; their sigma,
#: which equals C / C_null).
CLAIMS: tuple[Claim, ...] = (
    Claim(
        "modularity",
        "modularity_weighted",
        +1,
        "seRNNs are more modular (Q of the weighted network (|W| + |W|^T)/2 without self-connections;"
        " the authors: Q of |W|)",
    ),
    Claim(
        "small-worldness",
        "clustering_ratio",
        +1,
        "seRNNs are more small-world (C / C_null, equal to the authors' sigma)",
    ),
    Claim(
        "weight-distance",
        "weight_distance_corr",
        -1,
        "seRNN weights fall with distance (Pearson r of |w| and distance over non-zero weights)",
    ),
    Claim(
        "functional clustering in space",
        "function_cluster_z",
        -1,
        "functionally similar units sit closer together (mean of goal_cluster_z and choice_cluster_z:"
        " z of the within-group mean distance against random unit sets; below 0 = clustered)",
    ),
    Claim(
        "mixed selectivity",
        "mixed_selectivity",
        +1,
        "seRNN units code goal and choice together (Pearson r across units of EV_goal and EV_choice"
        " in the choice period)",
    ),
    Claim("energy", "energy", -1, "seRNNs use less energy (mean absolute activation on the probe set)"),
)

#: The generative-model claims (the paper's seventh finding), after the six above in the table.
GNM_CLAIMS: tuple[Claim, ...] = (
    Claim(
        "matching fits seRNNs better",
        "gnm_robust_energy_matching",
        -1,
        "the matching (homophily) rule fits seRNNs better than L1 networks (robust energy: mean over"
        " the rule's best parameter points of their re-simulated energies; lower = better)",
    ),
    Claim(
        "homophily beats the spatial rule",
        "gnm_robust_matching_minus_sptl",
        -1,
        "within each seRNN, matching's robust energy is below the spatial rule's (paired t-test of"
        " the per-network differences against 0; d = d_z, mean / sd of the differences)",
        "paired",
    ),
)

#: Measures computed here from summary columns: name -> (columns, how).
DERIVED = {
    "function_cluster_z": (("goal_cluster_z", "choice_cluster_z"), "mean of the finite values"),
    "gnm_robust_matching_minus_sptl": (
        ("gnm_robust_energy_matching", "gnm_robust_energy_sptl"),
        "first minus second",
    ),
}

#: Control populations, recognised by their summary columns: name of the control -> (column, value).
CONTROL_KINDS = {
    "spatial only": ("regulariser_type", "spatial"),
    "communicability only": ("regulariser_type", "communicability"),
    "random task": ("task", "random"),
}

#: Fewest networks per group on the common support for a claim to be tested.
MIN_N = 3

CLAIM_COLUMNS: tuple[str, ...] = (
    "claim",
    "measure",
    "paper",
    "group_a",
    "group_b",
    "epoch",
    "matched",
    "n_a",
    "n_b",
    "mean_a",
    "mean_b",
    "difference",
    "direction",
    "cohens_d",
    "ci_low",
    "ci_high",
    "p",
    "p_holm",
    "test",
    "filter_b",
    "weight_lo",
    "weight_hi",
    "cohens_d_unmatched",
    "verdict",
    "statement",
)


def claim_values(df, measure: str) -> np.ndarray:
    """The values of ``measure`` for every row of ``df`` (a column, or a ``DERIVED`` measure);
    (n_rows,) float, nan where missing. Raises KeyError naming the measure when it cannot be formed."""
    if measure in DERIVED:
        cols, how = DERIVED[measure]
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise KeyError(f"measure {measure!r} needs columns {missing}")
        x = np.column_stack([df[c].to_numpy(float) for c in cols])
        if how == "first minus second":
            return x[:, 0] - x[:, 1]
        ok = np.isfinite(x)
        with np.errstate(invalid="ignore"):
            return np.where(ok.any(axis=1), np.where(ok, x, 0).sum(axis=1) / ok.sum(axis=1), np.nan)
    if measure not in df.columns:
        raise KeyError(f"measure {measure!r} is not a column of the summary")
    return df[measure].to_numpy(float)


def bootstrap_d_interval(
    ya, wa, yb, wb, *, n_boot: int = 2000, seed: int = 0, degree: int = WEIGHT_DEGREE, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of Cohen's d at matched total weight.

    ya, wa (n_a,), yb, wb (n_b,): measure and total weight of each group. The networks on the common
    support are resampled with replacement within each group (``n_boot`` times, a numpy Generator
    seeded with ``seed``) and ``matched_weight_effect`` refitted on each resample. Returns the
    (1 - level)/2 and (1 + level)/2 quantiles of the finite d values; (nan, nan) when fewer than 2
    networks per group lie on the support."""
    ya, la, yb, lb, _ = on_support(ya, wa, yb, wb)
    if ya.size < 2 or yb.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    ds = np.empty(int(n_boot))
    for i in range(int(n_boot)):
        ia = rng.integers(0, ya.size, ya.size)
        ib = rng.integers(0, yb.size, yb.size)
        ds[i] = matched_weight_effect(ya[ia], np.exp(la[ia]), yb[ib], np.exp(lb[ib]), degree)["cohens_d"]
    ds = ds[np.isfinite(ds)]
    if not ds.size:
        return float("nan"), float("nan")
    q = np.quantile(ds, [(1 - level) / 2, (1 + level) / 2])
    return float(q[0]), float(q[1])


def paired_effect(x: np.ndarray) -> dict[str, float]:
    """A paired test of per-network differences ``x`` (n,) against 0 (finite values only): n,
    ``difference`` (mean), ``cohens_d`` (d_z = mean / sd, ddof 1), t and two-sided p of the
    one-sample t-test (n - 1 degrees of freedom; the same as ``scipy.stats.ttest_rel`` of the two
    measures). Estimates are nan with fewer than 2 values or no spread."""
    from scipy import stats

    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    out = {"n": x.size, "difference": float(x.mean()) if x.size else np.nan}
    nan = {"cohens_d": np.nan, "t": np.nan, "p": np.nan}
    if x.size < 2 or not x.std(ddof=1) > 0:
        return {**out, **nan}
    res = stats.ttest_1samp(x, 0.0)
    return {
        **out,
        "cohens_d": float(x.mean() / x.std(ddof=1)),
        "t": float(res.statistic),
        "p": float(res.pvalue),
    }


def bootstrap_dz_interval(
    x: np.ndarray, *, n_boot: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of d_z (``paired_effect``) of the differences ``x`` (n,),
    the networks resampled with replacement ``n_boot`` times (a Generator seeded with ``seed``);
    (nan, nan) with fewer than 2 finite values."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    samples = x[rng.integers(0, x.size, (int(n_boot), x.size))]
    with np.errstate(invalid="ignore", divide="ignore"):
        ds = samples.mean(axis=1) / samples.std(axis=1, ddof=1)
    ds = ds[np.isfinite(ds)]
    if not ds.size:
        return float("nan"), float("nan")
    q = np.quantile(ds, [(1 - level) / 2, (1 + level) / 2])
    return float(q[0]), float(q[1])


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of the finite p-values of ``p`` (m,) for their number: the k-th
    smallest (k = 1..m') becomes max over j <= k of min(1, (m' - j + 1) p_(j)); nan stays nan."""
    p = np.asarray(p, float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if not ok.size:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adjusted
    return out


def verdict(d: float, ci: tuple[float, float], p: float, expected: int, alpha: float = 0.05) -> str:
    """ "holds" / "reversed" when p < alpha and the interval ``ci`` excludes 0 (by the sign of d
    against ``expected``, +1 or -1); "not seen" otherwise; "not tested" when d or p is nan."""
    if not (np.isfinite(d) and np.isfinite(p)):
        return "not tested"
    lo, hi = ci
    significant = p < alpha and np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0)
    if not significant:
        return "not seen"
    return "holds" if np.sign(d) == np.sign(expected) else "reversed"


def _direction(a: str, b: str, difference: float) -> str:
    if not np.isfinite(difference):
        return ""
    return f"{a} {'>' if difference > 0 else '<' if difference < 0 else '='} {b}"


MATCHED_TEST = "OLS at matched total weight (t-test of the group term)"
PAIRED_TEST = "paired t-test across group a's networks (differences against 0)"


def _empty_row(claim: Claim, a_name: str, b_name: str, epoch: int, filter_b: str) -> dict:
    sign = ">" if claim.expected > 0 else "<"
    paired = claim.kind == "paired"
    row = {c: np.nan for c in CLAIM_COLUMNS}
    row.update(
        {
            "claim": claim.claim,
            "measure": claim.measure,
            "paper": f"{a_name}: {claim.measure} {sign} 0" if paired else f"{a_name} {sign} {b_name}",
            "group_a": a_name,
            "group_b": "" if paired else b_name,
            "epoch": epoch,
            "matched": "paired" if paired else "total_weight",
            "n_a": 0,
            "n_b": 0,
            "direction": "",
            "test": PAIRED_TEST if paired else MATCHED_TEST,
            "filter_b": "" if paired else filter_b,
            "verdict": "not tested",
            "statement": claim.statement,
        }
    )
    return row


def _effect_fields(eff: dict, ci: tuple[float, float], direction: str) -> dict:
    """The columns of a tested row from its effect (difference, cohens_d, p), interval and direction."""
    return {
        "difference": eff["difference"],
        "cohens_d": eff["cohens_d"],
        "ci_low": ci[0],
        "ci_high": ci[1],
        "p": eff["p"],
        "direction": direction,
    }


def _matched_row(row: dict, claim: Claim, ga, gb, a_name, b_name, n_boot, seed, degree) -> None:
    """Fill ``row`` (in place) with group a vs group b at matched total weight; p raw, no verdict."""
    ya, yb = claim_values(ga, claim.measure), claim_values(gb, claim.measure)
    wa, wb = ga[WEIGHT_COLUMN].to_numpy(float), gb[WEIGHT_COLUMN].to_numpy(float)
    eff = matched_weight_effect(ya, wa, yb, wb, degree)
    row.update({k: eff[k] for k in ("n_a", "n_b", "mean_a", "mean_b", "weight_lo", "weight_hi")})
    if eff["n_a"] >= MIN_N and eff["n_b"] >= MIN_N and np.isfinite(eff["cohens_d"]):
        ci = bootstrap_d_interval(ya, wa, yb, wb, n_boot=n_boot, seed=seed, degree=degree)
        fa, fb = ya[np.isfinite(ya)], yb[np.isfinite(yb)]
        row.update(_effect_fields(eff, ci, _direction(a_name, b_name, eff["difference"])))
        row["cohens_d_unmatched"] = cohens_d(fa, fb)


def _paired_row(row: dict, claim: Claim, ga, n_boot, seed) -> None:
    """Fill ``row`` (in place) with the paired test of group a's per-network measure against 0."""
    x = claim_values(ga, claim.measure)
    first, second = DERIVED[claim.measure][0] if claim.measure in DERIVED else (claim.measure,) * 2
    ok = np.isfinite(x)
    eff = paired_effect(x)
    row.update({"n_a": eff["n"], "n_b": eff["n"]})
    if ok.any():
        row["mean_a"] = float(ga[first].to_numpy(float)[ok].mean())
        row["mean_b"] = float(ga[second].to_numpy(float)[ok].mean())
    w = ga[WEIGHT_COLUMN].to_numpy(float)[ok] if WEIGHT_COLUMN in ga else np.array([])
    if w.size:
        row.update(weight_lo=float(w.min()), weight_hi=float(w.max()))
    if eff["n"] >= MIN_N and np.isfinite(eff["cohens_d"]):
        ci = bootstrap_dz_interval(x, n_boot=n_boot, seed=seed)
        direction = f"{first} {'<' if eff['difference'] < 0 else '>='} {second}"
        row.update(_effect_fields(eff, ci, direction))


def _finish(rows: list[dict], claims: tuple[Claim, ...], alpha: float):
    """Holm-adjust the rows' p (one family: the table) and give every tested row its verdict."""
    import pandas as pd

    adjusted = holm(np.array([r["p"] for r in rows], float))
    for row, claim, q in zip(rows, claims, adjusted):
        row["p_holm"] = q
        if np.isfinite(row["p"]):
            row["verdict"] = verdict(
                row["cohens_d"], (row["ci_low"], row["ci_high"]), q, claim.expected, alpha
            )
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


ACCURACY_FILTER = "passes_accuracy_filter"
NOT_DIVERGED = "not diverged (accuracy filter not applicable)"


def _at_epoch(df, epoch: int):
    needed = {"epoch", "regulariser", "passes_accuracy_filter", WEIGHT_COLUMN}
    return df[df["epoch"] == epoch] if needed <= set(df.columns) else df.iloc[0:0]


def _group(at, name: str, accuracy_filter: bool = True):
    g = at[at["regulariser"] == name]
    if accuracy_filter:
        return g[g["passes_accuracy_filter"].astype(bool)]
    return g[~g["diverged"].astype(bool)] if "diverged" in g else g


def _rows(ga, gb, a_name, b_name, epoch, claims, n_boot, seed, degree, filter_b) -> list[dict]:
    streams = np.random.SeedSequence(int(seed)).spawn(len(claims))
    rows = []
    for claim, ss in zip(claims, streams):
        row = _empty_row(claim, a_name, b_name, epoch, filter_b)
        boot_seed = int(ss.generate_state(1)[0])
        try:
            if claim.kind == "paired":
                _paired_row(row, claim, ga, n_boot, boot_seed)
            else:
                _matched_row(row, claim, ga, gb, a_name, b_name, n_boot, boot_seed, degree)
        except KeyError:
            pass  # the measure (or a column it needs) is missing: not tested
        rows.append(row)
    return rows


def evaluate_claims(
    df,
    epoch: int,
    *,
    groups: tuple[str, str] = ("seRNN", "L1"),
    alpha: float = 0.05,
    n_boot: int = 2000,
    seed: int = 0,
    degree: int = WEIGHT_DEGREE,
    claims: tuple[Claim, ...] = CLAIMS + GNM_CLAIMS,
):
    """One row per claim (columns ``CLAIM_COLUMNS``): group a (``groups[0]``, the seRNNs) against
    group b (the L1 networks) at matched total weight (paired claims: within group a), on the
    networks of ``df`` at ``epoch`` that pass the accuracy filter (column ``passes_accuracy_filter``);
    groups are the values of the ``regulariser`` column. Each claim's bootstrap uses its own stream
    spawned from ``seed``; verdicts use ``p_holm`` (Holm over the table's tested rows). Never
    raises on missing data: such claims get verdict "not tested" and empty values."""
    a_name, b_name = groups
    at = _at_epoch(df, epoch)
    ga, gb = _group(at, a_name), _group(at, b_name)
    rows = _rows(ga, gb, a_name, b_name, epoch, claims, n_boot, seed, degree, ACCURACY_FILTER)
    return _finish(rows, claims, alpha)


def control_populations(df) -> list[tuple[str, str]]:
    """The control populations of a summary table: (regulariser entry name, kind of control) for
    every entry whose ``regulariser_type`` / ``task`` column marks it as one of ``CONTROL_KINDS``,
    in table order (an entry both spatial-only and on the random task is listed by its first kind)."""
    out = []
    for name in dict.fromkeys(df["regulariser"]) if "regulariser" in df else []:
        g = df[df["regulariser"] == name].iloc[0]
        for kind, (column, value) in CONTROL_KINDS.items():
            if column in df and g[column] == value:
                out.append((str(name), kind))
                break
    return out


def evaluate_controls(
    df,
    epoch: int,
    *,
    reference: str = "seRNN",
    alpha: float = 0.05,
    n_boot: int = 2000,
    seed: int = 0,
    degree: int = WEIGHT_DEGREE,
    claims: tuple[Claim, ...] = CLAIMS + GNM_CLAIMS[:1],
):
    """The claims of seRNN (``reference``) against every control population of ``df``
    (``control_populations``) at matched total weight: columns ``CLAIM_COLUMNS`` plus ``control``
    (the kind), rows grouped by control in table order, claims in ``claims`` order. The reference
    and maze-task controls enter when they pass the accuracy filter, random-task controls when not
    diverged (``filter_b`` says which). One Holm family: the whole table. Each control's bootstrap
    streams are spawned from ``seed`` and the control's position. Empty (header only) without
    controls or without the reference."""
    import pandas as pd

    at = _at_epoch(df, epoch)
    ga = _group(at, reference)
    rows, kinds, all_claims = [], [], []
    controls = [c for c in control_populations(df) if c[0] != reference]
    streams = np.random.SeedSequence(int(seed)).spawn(max(1, len(controls)))
    for (name, kind), ss in zip(controls, streams):
        random_task = CONTROL_KINDS[kind] == ("task", "random")
        gb = _group(at, name, accuracy_filter=not random_task)
        filter_b = NOT_DIVERGED if random_task else ACCURACY_FILTER
        sub_seed = int(ss.generate_state(1)[0])
        rows += _rows(ga, gb, reference, name, epoch, claims, n_boot, sub_seed, degree, filter_b)
        kinds += [kind] * len(claims)
        all_claims += list(claims)
    table = _finish(rows, tuple(all_claims), alpha) if rows else pd.DataFrame(columns=list(CLAIM_COLUMNS))
    table.insert(0, "control", pd.Series(kinds, dtype=object))
    return table


def best_rule_fractions(df, epoch: int, rules):
    """How often each GNM rule is a network's best, per regulariser, at ``epoch``: one row per
    regulariser (table order) and rule (``rules`` order) with n_networks (networks with a fit that
    pass the accuracy filter; random-task networks: every fitted one), n_robust / fraction_robust
    (best by robust energy, ``gnm_robust_best_rule``) and n_minimum / fraction_minimum (best by the
    minimum over the search, ``gnm_best_rule``). Empty (header only) without GNM columns."""
    import pandas as pd

    columns = [
        "regulariser",
        "epoch",
        "rule",
        "n_networks",
        "n_robust",
        "fraction_robust",
        "n_minimum",
        "fraction_minimum",
    ]
    needed = {
        "epoch",
        "regulariser",
        "gnm_fitted",
        "gnm_best_rule",
        "gnm_robust_best_rule",
        "passes_accuracy_filter",
    }
    if not needed <= set(df.columns):
        return pd.DataFrame(columns=columns)
    at = df[df["epoch"] == epoch]
    fitted = at["gnm_fitted"].astype(str).str.lower() == "true"
    random_task = at["task"].eq("random") if "task" in at else False
    at = at[fitted & (at["passes_accuracy_filter"].astype(bool) | random_task)]
    rows = []
    for name in dict.fromkeys(at["regulariser"]):
        g = at[at["regulariser"] == name]
        n = len(g)
        for rule in rules:
            k_robust = int((g["gnm_robust_best_rule"] == rule).sum())
            k_min = int((g["gnm_best_rule"] == rule).sum())
            rows.append([name, epoch, rule, n, k_robust, k_robust / n, k_min, k_min / n])
    return pd.DataFrame(rows, columns=columns)
