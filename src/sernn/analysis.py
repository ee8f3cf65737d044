"""Population comparisons on the tidy summary: regulariser vs regulariser at the analysed epoch over
networks passing the accuracy filter, overall and within matched-accuracy bins."""

from __future__ import annotations

import itertools

import numpy as np

#: Columns never compared (keys, flags, bookkeeping).
NOT_METRICS = {"regulariser", "regulariser_type", "task", "strength", "seed", "epoch",
               "passes_accuracy_filter", "diverged", "n_edges", "n_components", "n_modules",
               "disconnected_nulls"}

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


def compare(df, epoch: int, accuracy_bins: list[float] | None = None, metrics: list[str] | None = None):
    """One row per metric x pair of regularisers x accuracy bin: mean, sd, n of each group, Cohen's d
    and Welch's t and p. Only rows at ``epoch`` that pass the accuracy filter enter. Bin "all" is
    every such network; the other bins split them by validation accuracy into [lo, hi) intervals of
    ``accuracy_bins`` (matched accuracy). Returns a DataFrame."""
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
                rows.append({"metric": m, "group_a": name_a, "group_b": name_b, "accuracy_bin": bin_name,
                             "epoch": epoch,
                             "mean_a": a.mean() if a.size else np.nan,
                             "sd_a": a.std(ddof=1) if a.size > 1 else np.nan, "n_a": a.size,
                             "mean_b": b.mean() if b.size else np.nan,
                             "sd_b": b.std(ddof=1) if b.size > 1 else np.nan, "n_b": b.size,
                             "cohens_d": cohens_d(a, b), "t": t, "p": p})
    return pd.DataFrame(rows)


def strength_levels(strengths, k: int = 3) -> list[float]:
    """Low, mid and high strength of a population (its minimum, median-ranked and maximum values)."""
    s = sorted(set(float(x) for x in strengths))
    if len(s) <= k:
        return s
    return [s[0], s[len(s) // 2], s[-1]]
