"""The paper's claims, tested on the data: seRNN vs L1 at matched total weight.

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
    "CLAIM_COLUMNS",
    "MIN_N",
    "claim_values",
    "bootstrap_d_interval",
    "verdict",
    "evaluate_claims",
]


class Claim(NamedTuple):
    """One statement of the paper: ``measure`` (a column of the summary, or a derived one in
    ``DERIVED``) is higher (``expected`` +1) or lower (-1) in seRNNs than in L1 networks."""

    claim: str
    measure: str
    expected: int
    statement: str


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

#: Measures computed here from summary columns: name -> (columns, how).
DERIVED = {"function_cluster_z": (("goal_cluster_z", "choice_cluster_z"), "mean of the finite values")}

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
        cols, _ = DERIVED[measure]
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise KeyError(f"measure {measure!r} needs columns {missing}")
        x = np.column_stack([df[c].to_numpy(float) for c in cols])
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


def evaluate_claims(
    df,
    epoch: int,
    *,
    groups: tuple[str, str] = ("seRNN", "L1"),
    alpha: float = 0.05,
    n_boot: int = 2000,
    seed: int = 0,
    degree: int = WEIGHT_DEGREE,
    claims: tuple[Claim, ...] = CLAIMS,
):
    """One row per claim (columns ``CLAIM_COLUMNS``): group a (``groups[0]``, the seRNNs) against
    group b (the L1 networks) at matched total weight, on the networks of ``df`` at ``epoch`` that
    pass the accuracy filter (column ``passes_accuracy_filter``); groups are the values of the
    ``regulariser`` column. Each claim's bootstrap uses its own stream spawned from ``seed``.
    Never raises on missing data: such claims get verdict "not tested" and empty values."""
    import pandas as pd

    a_name, b_name = groups
    needed = {"epoch", "regulariser", "passes_accuracy_filter", WEIGHT_COLUMN}
    if needed <= set(df.columns):
        at = df[(df["epoch"] == epoch) & df["passes_accuracy_filter"].astype(bool)]
    else:
        at = df.iloc[0:0]
    ga, gb = at[at["regulariser"] == a_name], at[at["regulariser"] == b_name]
    streams = np.random.SeedSequence(int(seed)).spawn(len(claims))
    rows = []
    for claim, ss in zip(claims, streams):
        sign = ">" if claim.expected > 0 else "<"
        row = {c: np.nan for c in CLAIM_COLUMNS}
        row.update(
            {
                "claim": claim.claim,
                "measure": claim.measure,
                "paper": f"{a_name} {sign} {b_name}",
                "group_a": a_name,
                "group_b": b_name,
                "epoch": epoch,
                "matched": "total_weight",
                "n_a": 0,
                "n_b": 0,
                "direction": "",
                "verdict": "not tested",
                "statement": claim.statement,
            }
        )
        try:
            ya, yb = claim_values(ga, claim.measure), claim_values(gb, claim.measure)
        except KeyError:
            rows.append(row)
            continue
        wa, wb = ga[WEIGHT_COLUMN].to_numpy(float), gb[WEIGHT_COLUMN].to_numpy(float)
        eff = matched_weight_effect(ya, wa, yb, wb, degree)
        row.update({k: eff[k] for k in ("n_a", "n_b", "mean_a", "mean_b", "weight_lo", "weight_hi")})
        if eff["n_a"] >= MIN_N and eff["n_b"] >= MIN_N and np.isfinite(eff["cohens_d"]):
            ci = bootstrap_d_interval(
                ya, wa, yb, wb, n_boot=n_boot, seed=int(ss.generate_state(1)[0]), degree=degree
            )
            fa, fb = ya[np.isfinite(ya)], yb[np.isfinite(yb)]
            row.update(
                {
                    "difference": eff["difference"],
                    "cohens_d": eff["cohens_d"],
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                    "p": eff["p"],
                    "direction": _direction(a_name, b_name, eff["difference"]),
                    "cohens_d_unmatched": cohens_d(fa, fb),
                    "verdict": verdict(eff["cohens_d"], ci, eff["p"], claim.expected, alpha),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
