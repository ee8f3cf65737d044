"""Population comparisons on the tidy summary: regulariser vs regulariser at the analysed epoch over
networks passing the accuracy filter, overall, within matched-accuracy bins, and at matched total
weight.

Matched total weight (``matched_weight_effect``): strengths of different regularisers are not
comparable and sparsity drives most measures, so two populations are compared on the networks whose
total weight sum|W| lies in the range both populations cover (their common support), with an
ordinary least-squares model y = b0 + b1 [group a] + sum_{k=1..degree} c_k z^k, z the standardised
log total weight. b1 is the difference a - b at equal total weight; its t-test (residual degrees of
freedom) gives p, and b1 / (residual sd) is the effect size (Cohen's d at matched total weight). A
difference that only follows from the populations' different total weights is absorbed by the
covariate terms (tested with planted confounds in tests/test_analysis.py).
"""

from __future__ import annotations

import itertools

import numpy as np

#: Columns never compared (keys, flags, bookkeeping).
NOT_METRICS = {
    "regulariser",
    "regulariser_type",
    "task",
    "strength",
    "seed",
    "epoch",
    "passes_accuracy_filter",
    "diverged",
    "n_edges",
    "n_components",
    "n_modules",
    "disconnected_nulls",
}

#: The covariate of comparisons at matched total weight (entered as its logarithm).
WEIGHT_COLUMN = "total_weight"

#: Polynomial degree of the log-total-weight covariate (2: allows a curved dependence).
WEIGHT_DEGREE = 2

#: Order in which regularisers are listed (first = group a of a pair); others follow by name.
PREFERRED_ORDER = ("seRNN", "L1", "spatial", "communicability")


def cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's d with the pooled standard deviation (ddof 1): (mean a - mean b) / s_pooled.
    NaN when either group has fewer than 2 values or the pooled sd is 0."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    na, nb = a.size, b.size
    if na < 2 or nb < 2:
        return float("nan")
    pooled = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    return float((a.mean() - b.mean()) / pooled) if pooled > 0 else float("nan")


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Welch's unequal-variance t-test: (t, two-sided p). NaN when a group has < 2 values."""
    from scipy import stats

    if len(a) < 2 or len(b) < 2:
        return float("nan"), float("nan")
    res = stats.ttest_ind(a, b, equal_var=False)
    return float(res.statistic), float(res.pvalue)


def ordered(names) -> list[str]:
    names = list(dict.fromkeys(names))
    first = [n for n in PREFERRED_ORDER if n in names]
    return first + sorted(n for n in names if n not in first)


def metric_columns(df) -> list[str]:
    """Numeric columns that are measures (not keys or flags)."""
    return [c for c in df.columns if c not in NOT_METRICS and df[c].dtype.kind in "fiu"]


def common_support(xa: np.ndarray, xb: np.ndarray) -> tuple[float, float]:
    """The range [lo, hi] covered by both samples (finite values only): (max of minima, min of
    maxima). (nan, nan) when a sample is empty or the ranges do not overlap."""
    xa, xb = np.asarray(xa, float), np.asarray(xb, float)
    xa, xb = xa[np.isfinite(xa)], xb[np.isfinite(xb)]
    if not xa.size or not xb.size:
        return float("nan"), float("nan")
    lo, hi = max(xa.min(), xb.min()), min(xa.max(), xb.max())
    return (float(lo), float(hi)) if lo <= hi else (float("nan"), float("nan"))


def adjusted_difference(
    y: np.ndarray, group: np.ndarray, covariate: np.ndarray, degree: int = WEIGHT_DEGREE
) -> dict[str, float]:
    """OLS fit of y = b0 + b1 group + sum_{k=1..degree} c_k z^k, z = (covariate - mean) / sd.

    y, covariate: (n,) floats; group: (n,) 0/1 (1 = group a). Returns ``difference`` b1 (a - b at
    equal covariate), ``se``, ``t``, ``p`` (two-sided, n - degree - 2 degrees of freedom),
    ``resid_sd`` and ``d`` = b1 / resid_sd. All nan when the design is rank-deficient, leaves no
    residual degree of freedom, or y is constant (e.g. a measure at its ceiling in every network)."""
    from scipy import stats

    y, g, x = (np.asarray(v, float) for v in (y, group, covariate))
    nan = {k: float("nan") for k in ("difference", "se", "t", "p", "resid_sd", "d")}
    sd = x.std()
    z = (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)
    X = np.column_stack([np.ones_like(y), g] + [z**k for k in range(1, int(degree) + 1)])
    dof = y.size - X.shape[1]
    if dof < 1 or np.linalg.matrix_rank(X) < X.shape[1] or np.all(y == y[0]):
        return nan
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    s2 = float(resid @ resid) / dof
    se = float(np.sqrt(s2 * np.linalg.inv(X.T @ X)[1, 1]))
    b1 = float(beta[1])
    t = b1 / se if se > 0 else float("nan")
    return {
        "difference": b1,
        "se": se,
        "t": t,
        "p": float(2 * stats.t.sf(abs(t), dof)) if np.isfinite(t) else float("nan"),
        "resid_sd": float(np.sqrt(s2)),
        "d": b1 / float(np.sqrt(s2)) if s2 > 0 else float("nan"),
    }


def on_support(ya, wa, yb, wb):
    """The networks of groups a and b whose total weight lies in the common support of log total
    weight (``common_support``), finite values only. Inputs (n_a,), (n_a,), (n_b,), (n_b,);
    returns (ya, log wa, yb, log wb, (lo, hi) in total weight)."""
    ya, wa, yb, wb = (np.asarray(v, float) for v in (ya, wa, yb, wb))
    with np.errstate(divide="ignore", invalid="ignore"):
        la, lb = np.log(wa), np.log(wb)
    ka, kb = np.isfinite(ya) & np.isfinite(la), np.isfinite(yb) & np.isfinite(lb)
    lo, hi = common_support(la[ka], lb[kb])
    if np.isfinite(lo):
        ka &= (la >= lo) & (la <= hi)
        kb &= (lb >= lo) & (lb <= hi)
    else:
        ka[:], kb[:] = False, False
    return ya[ka], la[ka], yb[kb], lb[kb], (float(np.exp(lo)), float(np.exp(hi)))


def matched_weight_effect(ya, wa, yb, wb, degree: int = WEIGHT_DEGREE) -> dict[str, float]:
    """Group a vs group b at matched total weight (module docstring).

    ya, wa: (n_a,) measure and total weight of group a's networks; yb, wb: group b's. Returns n_a,
    n_b (networks on the common support), mean_a, sd_a, mean_b, sd_b (raw, on the support),
    ``difference`` (a - b at equal total weight), ``cohens_d`` (difference / residual sd), t, p,
    ``weight_lo``, ``weight_hi`` (the support, in total weight). Estimates are nan when either group
    has fewer than 2 networks on the support."""
    ya, la, yb, lb, (lo, hi) = on_support(ya, wa, yb, wb)
    out = {
        "n_a": ya.size,
        "mean_a": ya.mean() if ya.size else np.nan,
        "sd_a": ya.std(ddof=1) if ya.size > 1 else np.nan,
        "n_b": yb.size,
        "mean_b": yb.mean() if yb.size else np.nan,
        "sd_b": yb.std(ddof=1) if yb.size > 1 else np.nan,
    }
    fit = {k: float("nan") for k in ("difference", "d", "t", "p")}
    if ya.size >= 2 and yb.size >= 2:
        fit = adjusted_difference(
            np.concatenate([ya, yb]),
            np.r_[np.ones(ya.size), np.zeros(yb.size)],
            np.concatenate([la, lb]),
            degree,
        )
    return {
        **out,
        "difference": fit["difference"],
        "cohens_d": fit["d"],
        "t": fit["t"],
        "p": fit["p"],
        "weight_lo": lo,
        "weight_hi": hi,
    }


def compare(
    df,
    epoch: int,
    accuracy_bins: list[float] | None = None,
    metrics: list[str] | None = None,
    weight_degree: int | None = WEIGHT_DEGREE,
):
    """One row per metric x pair of regularisers x comparison: mean, sd, n of each group, the
    difference a - b, Cohen's d and a t-test's t and p. Only rows at ``epoch`` that pass the
    accuracy filter enter. ``matched`` says what the comparison holds equal:

    - "none" (``accuracy_bin`` "all"): every such network, Welch's t-test;
    - "accuracy": the networks in one [lo, hi) validation-accuracy bin of ``accuracy_bins``;
    - "total_weight" (``accuracy_bin`` "all"): ``matched_weight_effect`` with ``weight_degree``
      (rows omitted when None, and for the covariate itself); ``weight_lo``/``weight_hi`` give
      the common support of total weight and n counts the networks on it.

    Returns a DataFrame."""
    import pandas as pd

    at = df[(df["epoch"] == epoch) & df["passes_accuracy_filter"].astype(bool)]
    metrics = metrics or metric_columns(df)
    bins = [("all", at)]
    edges = list(accuracy_bins or [])
    for lo, hi in zip(edges[:-1], edges[1:]):
        bins.append((f"[{lo:g}, {hi:g})", at[(at["val_accuracy"] >= lo) & (at["val_accuracy"] < hi)]))
    rows = []
    for name_a, name_b in itertools.combinations(ordered(df["regulariser"]), 2):
        for bin_name, sub in bins:
            ga, gb = sub[sub["regulariser"] == name_a], sub[sub["regulariser"] == name_b]
            for m in metrics:
                a = ga[m].to_numpy(float)
                b = gb[m].to_numpy(float)
                a, b = a[np.isfinite(a)], b[np.isfinite(b)]
                t, p = welch(a, b)
                mean_a = a.mean() if a.size else np.nan
                mean_b = b.mean() if b.size else np.nan
                rows.append(
                    {
                        "metric": m,
                        "group_a": name_a,
                        "group_b": name_b,
                        "matched": "none" if bin_name == "all" else "accuracy",
                        "accuracy_bin": bin_name,
                        "epoch": epoch,
                        "mean_a": mean_a,
                        "sd_a": a.std(ddof=1) if a.size > 1 else np.nan,
                        "n_a": a.size,
                        "mean_b": mean_b,
                        "sd_b": b.std(ddof=1) if b.size > 1 else np.nan,
                        "n_b": b.size,
                        "difference": mean_a - mean_b,
                        "cohens_d": cohens_d(a, b),
                        "t": t,
                        "p": p,
                        "weight_lo": np.nan,
                        "weight_hi": np.nan,
                    }
                )
        if weight_degree is None or WEIGHT_COLUMN not in at.columns:
            continue
        ga, gb = at[at["regulariser"] == name_a], at[at["regulariser"] == name_b]
        for m in metrics:
            if m == WEIGHT_COLUMN:
                continue
            eff = matched_weight_effect(
                ga[m].to_numpy(float),
                ga[WEIGHT_COLUMN].to_numpy(float),
                gb[m].to_numpy(float),
                gb[WEIGHT_COLUMN].to_numpy(float),
                weight_degree,
            )
            rows.append(
                {
                    "metric": m,
                    "group_a": name_a,
                    "group_b": name_b,
                    "matched": "total_weight",
                    "accuracy_bin": "all",
                    "epoch": epoch,
                    **eff,
                }
            )
    return pd.DataFrame(rows)


def strength_levels(strengths, k: int = 3) -> list[float]:
    """Low, mid and high strength of a population (its minimum, median-ranked and maximum values)."""
    s = sorted(set(float(x) for x in strengths))
    if len(s) <= k:
        return s
    return [s[0], s[len(s) // 2], s[-1]]
