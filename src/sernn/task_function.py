"""Functional measures of a network on a task given through the task interface (``sernn.task.Trials``,
e.g. NeuroGym), grouping trials by the task's own conditions instead of the maze's goal and choices.

Activity of a probe trial is summarised over its decision steps (the mean of h over the steps whose
answers count, ``Trials.decision``): features (n_trials, N). The conditions analysed are the task's
per-trial conditions that are categorical here: 2 to ``MAX_LEVELS`` distinct values over the probe
trials, and not a relabelling of an earlier one (e.g. ``answer`` when it equals ``ground_truth``);
``n_steps`` (the trial's length) is bookkeeping and left out. For each such condition c:

- ``ev_<c>_decision``: mean over units of the explained variance (eta squared) of the unit's
  decision-period activity by c (``sernn.function.explained_variance``);
- ``decoding_<c>_decision``: cross-validated ridge decoding accuracy of c from the decision-period
  activity (``sernn.function.decoding_accuracy``).

With two conditions or more, for the first two (a, b): ``mixed_selectivity`` = Pearson r across units
of EV_a and EV_b; units labelled a- or b-coding by ``sernn.function.label_units`` and the spatial
clustering z of each group, ``cond_a_cluster_z`` / ``cond_b_cluster_z``; with fewer, these are NaN
and the returned notes say why. ``energy`` is the mean |h| over the trials' own (unpadded) steps.
"""

from __future__ import annotations

import numpy as np

from . import function as fn

#: Most distinct values a condition may take over the probe trials to be grouped by.
MAX_LEVELS = 32
#: Conditions that describe the trial rather than what it asks.
BOOKKEEPING = ("n_steps",)


def categorical_conditions(conditions: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], list[str]]:
    """The conditions grouped by (module docstring), as integer codes (n,), and a note per condition
    left out saying why."""
    kept, notes, partitions = {}, [], []
    for name, values in conditions.items():
        v = np.asarray(values, np.float64)
        if name in BOOKKEEPING:
            continue
        if not np.isfinite(v).all():
            notes.append(f"condition {name}: not defined on every trial")
            continue
        levels, codes = np.unique(v, return_inverse=True)
        if not 2 <= levels.size <= MAX_LEVELS:
            notes.append(f"condition {name}: {levels.size} distinct values (2-{MAX_LEVELS} are grouped by)")
            continue
        canon = _canonical(codes)
        same = [k for k, p in partitions if np.array_equal(p, canon)]
        if same:
            notes.append(f"condition {name}: the same grouping as {same[0]}")
            continue
        partitions.append((name, canon))
        kept[name] = codes.astype(np.int64)
    return kept, notes


def _canonical(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered in order of first appearance (equal for two relabellings of one grouping)."""
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse]


def decision_means(activity: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """Mean activity over each trial's decision steps: activity (n, T, N), decision (n, T) bool ->
    (n, N) float64 (NaN for a trial without decision steps)."""
    w = np.asarray(decision, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.einsum("nt,ntu->nu", w, np.asarray(activity, np.float64)) / w.sum(1)[:, None]


def task_measures(
    activity: np.ndarray,
    mask: np.ndarray,
    decision: np.ndarray,
    conditions: dict[str, np.ndarray],
    coordinates: np.ndarray,
    *,
    n_perm: int = 1000,
    seed: int = 0,
    ev_threshold: float = 0.1,
    n_folds: int = 5,
) -> tuple[dict[str, float], list[str]]:
    """The measures of the module docstring for one network: activity (n, T, N), mask and decision
    (n, T), conditions name -> (n,), coordinates (N, d). Returns ({column: float}, notes)."""
    a = np.asarray(activity, np.float64)
    own = np.asarray(mask) > 0
    out = {"energy": float(np.abs(a[own]).mean())}
    x = decision_means(a, decision)
    keep = np.isfinite(x).all(1)
    cats, notes = categorical_conditions({k: np.asarray(v)[keep] for k, v in conditions.items()})
    x = x[keep]
    ss_a, ss_b, ss_dec = np.random.SeedSequence(int(seed)).spawn(3)
    dec_seed = int(ss_dec.generate_state(1)[0])
    evs = {}
    for name, codes in cats.items():
        evs[name] = fn.explained_variance(x, codes)
        out[f"ev_{name}_decision"] = float(np.mean(evs[name]))
        acc = fn.decoding_accuracy(x[:, None, :], codes, n_folds=n_folds, seed=dec_seed)
        out[f"decoding_{name}_decision"] = float(np.mean(acc))
    nan = float("nan")
    if len(evs) >= 2:
        (name_a, ev_a), (name_b, ev_b) = list(evs.items())[:2]
        out["mixed_selectivity"] = fn.mixed_selectivity(ev_a, ev_b)
        mask_a, mask_b = fn.label_units(ev_a, ev_b, ev_threshold)
        coords = np.asarray(coordinates, np.float64)
        out["cond_a_cluster_z"] = fn.spatial_clustering(mask_a, coords, n_perm, np.random.default_rng(ss_a)).z
        out["cond_b_cluster_z"] = fn.spatial_clustering(mask_b, coords, n_perm, np.random.default_rng(ss_b)).z
        notes.append(f"mixed selectivity and clustering: conditions a = {name_a}, b = {name_b}")
    else:
        out.update(mixed_selectivity=nan, cond_a_cluster_z=nan, cond_b_cluster_z=nan)
        notes.append(
            f"mixed selectivity and unit clustering need two conditions, the task has {len(evs)} "
            f"({', '.join(evs) or 'none'}): empty"
        )
    return {k: float(v) for k, v in out.items()}, notes
