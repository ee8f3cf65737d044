"""Functional analysis of trained seRNNs: explained variance, mixed selectivity, spatial clustering of
function, linear decoding and energy.

Pure numpy (pandas only for the DataFrame that :func:`function_summary` returns); arrays in, arrays out.
Nothing here reads or writes files. Randomness only through an
explicit ``seed`` (an ``int`` or a ``numpy.random.Generator``); the same seed gives the same numbers.

Conventions
-----------
- ``activity``: ``(n_trials, n_steps, n_units)`` hidden-unit activity (ReLU outputs, >= 0, arbitrary
  rate units) on a fixed probe set (the paper: 640 trials x 50 steps x 100 units).
- Labels are per trial, ``(n_trials,)`` integer categories (any small ints; only equality matters):
  ``goal`` 0..3 (goal locations 7, 9, 17, 19), ``choice_options`` (code of the offered direction pair),
  ``correct_choice`` 0..3 (l, u, r, d).
- ``windows``: ``Mapping[str, (start, stop)]`` of time-step indices, half-open ``[start, stop)``.
  Activity in a window is the mean over its steps (per trial and unit).
- ``coordinates``: ``(n_units, d)`` unit positions (the project: integer 5x5x4 grid, d = 3); distances
  are Euclidean in grid units.

Choices made here (ours, not the paper's, unless said otherwise)
----------------------------------------------------------------
- Explained variance (EV) is eta-squared of a one-way ANOVA, SS_between / SS_total, in [0, 1].
  Under no effect its expectation is (k - 1) / (n_trials - 1) (about 0.005 for 4 groups, 640 trials),
  not 0. A unit whose window activity is exactly constant across trials (e.g. a silent ReLU unit) gets
  EV 0.
- Unit labels and mixed selectivity use the *choice* window (by default ``"choice"``, steps [30, 50)):
  the only period in which goal (held in memory) and choice options (on screen) can both be coded.
  A unit is goal-coding if EV_goal > threshold and EV_goal > EV_choice; choice-coding if
  EV_choice > threshold and EV_choice > EV_goal (ties and NaNs: neither).
- In the task's 8 problems goal and choice options are partly confounded (e.g. goal 9 comes with
  ``ul`` or ``rd``), so a pure goal unit has some EV for choice options once the choices are shown and
  vice versa; EV here is marginal (one label at a time), as in the paper, not partial.
- Spatial clustering: mean pairwise Euclidean distance within a group vs. ``n_perm`` random unit sets
  of the same size drawn without replacement from all units; one-sided p = (1 + #{null <= obs}) /
  (1 + n_perm) (small distance = clustered; ties count against clustering).
- Decoding: ridge regression (penalty ``ridge`` on standardised features) to one-hot targets, argmax
  read-out, stratified k-fold cross-validation (seeded), one decoder per time step; features are
  standardised with the training fold's mean and SD only.
- Energy: mean absolute activation, mean over trials, steps and units of |h| (for ReLU units, the mean
  rate).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # pandas is imported only where a DataFrame is built (it costs a job ~0.3 s)
    import pandas as pd

__all__ = [
    "FUNCTION_COLUMNS",
    "FRAME_COLUMNS",
    "ClusteringResult",
    "default_windows",
    "window_activity",
    "explained_variance",
    "window_explained_variance",
    "mixed_selectivity",
    "label_units",
    "spatial_clustering",
    "decoding_accuracy",
    "decoding_predictions",
    "energy",
    "unit_energy",
    "function_measures",
    "function_summary",
    "goal_at_step",
]

#: Keys of the per-network scalar dict returned by :func:`function_summary`, in order.
FUNCTION_COLUMNS: tuple[str, ...] = (
    "energy",
    "mixed_selectivity",
    "ev_goal_mean",
    "ev_choice_mean",
    "ev_correct_mean",
    "n_goal_units",
    "n_choice_units",
    "goal_cluster_distance",
    "goal_cluster_p",
    "goal_cluster_z",
    "choice_cluster_distance",
    "choice_cluster_p",
    "choice_cluster_z",
    "decoding_goal_mean",
    "decoding_choice_mean",
)

#: Columns of the tidy per-window / per-step frame returned by :func:`function_summary`, in order.
FRAME_COLUMNS: tuple[str, ...] = (
    "window",
    "kind",
    "start",
    "stop",
    "ev_goal_mean",
    "ev_choice_mean",
    "ev_correct_mean",
    "mixed_selectivity",
    "decoding_goal",
    "decoding_choice",
    "decoding_correct",
)


# ----------------------------------------------------------------------------------------------------
# validation helpers
# ----------------------------------------------------------------------------------------------------


def _as_activity(activity: npt.ArrayLike, name: str = "activity") -> np.ndarray:
    a = np.asarray(activity)
    if a.ndim != 3:
        raise ValueError(f"{name} must be (n_trials, n_steps, n_units); got shape {a.shape}")
    if a.shape[0] < 2 or a.shape[1] < 1 or a.shape[2] < 1:
        raise ValueError(f"{name} needs >= 2 trials, >= 1 step and >= 1 unit; got shape {a.shape}")
    if not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"{name} must be numeric; got dtype {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains non-finite values ({np.count_nonzero(~np.isfinite(a))} of them)")
    return a


def _as_labels(labels: npt.ArrayLike, n_trials: int, name: str = "labels") -> np.ndarray:
    lab = np.asarray(labels)
    if lab.ndim != 1 or lab.shape[0] != n_trials:
        raise ValueError(f"{name} must be ({n_trials},) to match the trials; got shape {lab.shape}")
    return lab


def _check_windows(windows: Mapping[str, tuple[int, int]], n_steps: int) -> list[tuple[str, int, int]]:
    if len(windows) == 0:
        raise ValueError("windows is empty: give at least one (start, stop) window")
    out = []
    for name, win in windows.items():
        try:
            start, stop = (int(v) for v in win)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"window {name!r} must be a (start, stop) pair of ints; got {win!r}") from exc
        if not 0 <= start < stop <= n_steps:
            raise ValueError(
                f"window {name!r} = [{start}, {stop}) is not a non-empty range inside [0, {n_steps})"
            )
        out.append((str(name), start, stop))
    return out


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or a numpy.random.Generator; got {seed!r}")
    return np.random.default_rng(int(seed))


# ----------------------------------------------------------------------------------------------------
# windows
# ----------------------------------------------------------------------------------------------------


def default_windows(
    goal_steps: int = 20,
    delay_steps: int = 10,
    choice_steps: int = 20,
    sliding_width: int | None = 5,
    sliding_step: int = 5,
) -> dict[str, tuple[int, int]]:
    """Task-period and sliding windows of a trial, as half-open ``(start, stop)`` step indices.

    Returns, in this order: ``"goal"`` = [0, g), ``"delay"`` = [g, g + d) (left out when
    ``delay_steps == 0``), ``"choice"`` = [g + d, g + d + c), then sliding windows named
    ``"slide_{start:03d}_{stop:03d}"`` of width ``sliding_width`` every ``sliding_step`` steps from 0,
    as many as fit wholly inside the trial (none when ``sliding_width`` is None or 0).
    With the defaults (20, 10, 20, 5, 5): goal [0, 20), delay [20, 30), choice [30, 50) and ten
    windows [0, 5), [5, 10), ..., [45, 50).
    """
    for name, v in (("goal_steps", goal_steps), ("choice_steps", choice_steps)):
        if int(v) < 1:
            raise ValueError(f"{name} must be >= 1; got {v!r}")
    if int(delay_steps) < 0:
        raise ValueError(f"delay_steps must be >= 0; got {delay_steps!r}")
    g, d, c = int(goal_steps), int(delay_steps), int(choice_steps)
    total = g + d + c
    windows: dict[str, tuple[int, int]] = {"goal": (0, g)}
    if d > 0:
        windows["delay"] = (g, g + d)
    windows["choice"] = (g + d, total)
    if sliding_width:
        w, s = int(sliding_width), int(sliding_step)
        if w < 1 or s < 1:
            raise ValueError(
                f"sliding_width and sliding_step must be >= 1; got {sliding_width!r}, {sliding_step!r}"
            )
        for start in range(0, total - w + 1, s):
            windows[f"slide_{start:03d}_{start + w:03d}"] = (start, start + w)
    return windows


def window_activity(activity: npt.ArrayLike, windows: Mapping[str, tuple[int, int]]) -> np.ndarray:
    """Mean activity per window: ``(n_trials, n_windows, n_units)`` float64, windows in mapping order."""
    a = _as_activity(activity)
    return _window_means(np.asarray(a, dtype=np.float64), _check_windows(windows, a.shape[1]))


def _window_means(a64: np.ndarray, wins: list[tuple[str, int, int]]) -> np.ndarray:
    """:func:`window_activity` of float64 activity ``a64`` (n_trials, n_steps, n_units) and checked
    windows ``wins`` [(name, start, stop)]: (n_trials, n_windows, n_units) float64."""
    # cumulative sum over steps: each window mean is one subtraction (cheap for many windows)
    csum = np.concatenate([np.zeros_like(a64[:, :1]), np.cumsum(a64, axis=1)], axis=1)
    starts = np.array([w[1] for w in wins])
    stops = np.array([w[2] for w in wins])
    return (csum[:, stops] - csum[:, starts]) / (stops - starts)[None, :, None]


# ----------------------------------------------------------------------------------------------------
# explained variance and mixed selectivity
# ----------------------------------------------------------------------------------------------------


def explained_variance(x: npt.ArrayLike, labels: npt.ArrayLike) -> np.ndarray:
    """Eta-squared (one-way ANOVA SS_between / SS_total) of each column of ``x`` by a categorical label.

    Parameters
    ----------
    x : (n_trials, ...) activity, e.g. ``(n_trials, n_units)`` window means; any trailing shape is
        treated as independent variables (vectorised; computed in float64).
    labels : (n_trials,) category per trial (any hashable-as-numpy values; only equality matters).

    Returns
    -------
    ev : array of shape ``x.shape[1:]``, values in [0, 1]. A variable that is exactly constant across
        trials (no variance to explain, e.g. a silent ReLU unit) gets 0. With a single category the EV
        is 0 everywhere. Equals ``F (k-1) / (F (k-1) + n - k)`` for the one-way ANOVA F statistic.
    """
    xa = np.asarray(x, dtype=np.float64)
    if xa.ndim < 1 or xa.shape[0] < 2:
        raise ValueError(f"x must be (n_trials, ...) with n_trials >= 2; got shape {xa.shape}")
    lab = _as_labels(labels, xa.shape[0])
    return _ev_by_label(_EVBase.of(xa), lab).reshape(xa.shape[1:])


class _EVBase(NamedTuple):
    """The label-independent parts of :func:`explained_variance` for m variables over n trials (shared
    by every label of the same activity)."""

    centred: np.ndarray  #: (n, m) float64, x minus its mean over trials
    ss_total: np.ndarray  #: (m,) total sum of squares
    constant: np.ndarray  #: (m,) bool, the variable is exactly constant across trials

    @classmethod
    def of(cls, xa: np.ndarray) -> _EVBase:
        """From float64 ``xa`` (n_trials, ...); trailing axes are flattened to the m variables."""
        flat = xa.reshape(xa.shape[0], -1)
        centred = flat - flat.mean(axis=0)
        return cls(centred, np.einsum("nm,nm->m", centred, centred), np.ptp(flat, axis=0) == 0)


def _ev_by_label(base: _EVBase, lab: np.ndarray) -> np.ndarray:
    """Eta-squared (m,) of the variables of ``base`` by the (n,) categories ``lab``."""
    n = base.centred.shape[0]
    _, inv, counts = np.unique(lab, return_inverse=True, return_counts=True)
    onehot = np.zeros((n, counts.size))
    onehot[np.arange(n), inv.reshape(-1)] = 1.0
    group_means = (onehot.T @ base.centred) / counts[:, None]  # (k, m), relative to the grand mean
    ss_between = counts @ (group_means**2)
    # exactly constant variables, and a single category, explain nothing (skip round-off residue)
    constant = base.constant | (counts.size < 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ev = np.where(constant | (base.ss_total <= 0), 0.0, ss_between / base.ss_total)
    return np.clip(ev, 0.0, 1.0)


def window_explained_variance(
    activity: npt.ArrayLike,
    labels: Mapping[str, npt.ArrayLike],
    windows: Mapping[str, tuple[int, int]],
) -> dict[str, np.ndarray]:
    """EV of each unit's window-mean activity by each label, for every window.

    Parameters
    ----------
    activity : (n_trials, n_steps, n_units).
    labels : name -> (n_trials,) categories, e.g. ``{"goal": goal, "choice": choice_options,
        "correct": correct_choice}``.
    windows : name -> (start, stop), half-open step indices.

    Returns
    -------
    dict with the same keys as ``labels``; each value is ``(n_windows, n_units)`` float64 EV, rows in
    the iteration order of ``windows``.
    """
    a = _as_activity(activity)
    labs = {name: _as_labels(lab, a.shape[0], name) for name, lab in labels.items()}
    xw = _window_means(np.asarray(a, dtype=np.float64), _check_windows(windows, a.shape[1]))
    return _labelled_ev(xw, labs)


def _labelled_ev(x: np.ndarray, labels: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`explained_variance` of float64 ``x`` (n_trials, k, n_units) by each of ``labels``
    (name -> checked (n_trials,) categories): name -> (k, n_units)."""
    base = _EVBase.of(x)
    return {name: _ev_by_label(base, lab).reshape(x.shape[1:]) for name, lab in labels.items()}


def mixed_selectivity(ev_goal: npt.ArrayLike, ev_choice: npt.ArrayLike) -> float:
    """Pearson correlation across units of EV_goal and EV_choice (the paper's mixed-selectivity index).

    ``ev_goal``, ``ev_choice``: (n_units,) EVs in one window. Units where either value is non-finite
    are dropped. Returns nan when fewer than 2 units remain or when either vector is constant (the
    correlation is undefined there), otherwise r in [-1, 1]. Positive r: units that code the goal also
    code the choice options (mixed selectivity).
    """
    g = np.asarray(ev_goal, dtype=np.float64).reshape(-1)
    c = np.asarray(ev_choice, dtype=np.float64).reshape(-1)
    if g.shape != c.shape:
        raise ValueError(f"ev_goal and ev_choice must have the same length; got {g.shape} and {c.shape}")
    keep = np.isfinite(g) & np.isfinite(c)
    g, c = g[keep], c[keep]
    if g.size < 2:
        return float("nan")
    gc, cc = g - g.mean(), c - c.mean()
    sg, sc = np.sqrt(gc @ gc), np.sqrt(cc @ cc)
    # "constant" judged relative to the values' scale, so float round-off in the mean does not count
    tol = 1e-12 * np.sqrt(g.size)
    if sg <= tol * max(1.0, np.abs(g).max()) or sc <= tol * max(1.0, np.abs(c).max()):
        return float("nan")
    return float(np.clip((gc @ cc) / (sg * sc), -1.0, 1.0))


def label_units(
    ev_goal: npt.ArrayLike, ev_choice: npt.ArrayLike, threshold: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Label units goal-coding or choice-coding from their EVs (in one window, normally the choice one).

    Rule: goal-coding iff ``ev_goal > threshold and ev_goal > ev_choice``; choice-coding iff
    ``ev_choice > threshold and ev_choice > ev_goal``. The two are exclusive; a unit can be neither
    (both below threshold, an exact tie, or a NaN).

    Returns ``(goal_mask, choice_mask)``, two (n_units,) bool arrays.
    """
    g = np.asarray(ev_goal, dtype=np.float64)
    c = np.asarray(ev_choice, dtype=np.float64)
    if g.shape != c.shape or g.ndim != 1:
        raise ValueError(f"ev_goal and ev_choice must be equal-length 1-D; got {g.shape} and {c.shape}")
    thr = float(threshold)
    if not np.isfinite(thr):
        raise ValueError(f"threshold must be finite; got {threshold!r}")
    with np.errstate(invalid="ignore"):
        goal = (g > thr) & (g > c)
        choice = (c > thr) & (c > g)
    return goal, choice


# ----------------------------------------------------------------------------------------------------
# spatial clustering of function
# ----------------------------------------------------------------------------------------------------


class ClusteringResult(NamedTuple):
    """Result of :func:`spatial_clustering` (distances in coordinate units)."""

    distance: float  #: observed mean pairwise distance within the group
    null_mean: float  #: mean of the null (random same-size sets)
    null_std: float  #: SD of the null (ddof = 1)
    z: float  #: (distance - null_mean) / null_std; negative = clustered; nan if null_std is ~0
    p: float  #: one-sided permutation p, (1 + #{null <= distance}) / (1 + n_perm)
    n: int  #: group size


_PERM_CHUNK = 2048


def pairwise_distances(coordinates: npt.ArrayLike) -> np.ndarray:
    """Euclidean distances between all points: (n, d) coordinates -> (n, n) float64, zero diagonal.

    The squared differences are summed one coordinate after the other, as SciPy's
    ``squareform(pdist(x))`` does, so the two agree bit for bit (tested).
    """
    x = np.asarray(coordinates, dtype=np.float64)
    sq = np.zeros((x.shape[0], x.shape[0]))
    for k in range(x.shape[1]):
        diff = x[:, None, k] - x[None, :, k]
        sq += diff * diff
    return np.sqrt(sq)


def spatial_clustering(
    member_mask: npt.ArrayLike,
    coordinates: npt.ArrayLike,
    n_perm: int = 1000,
    seed: int | np.random.Generator = 0,
) -> ClusteringResult:
    """Are the units of a group closer together in space than random sets of the same size?

    Parameters
    ----------
    member_mask : (n_units,) bool, True for the group's units.
    coordinates : (n_units, d) unit positions; distance is Euclidean.
    n_perm : number of random sets (each drawn uniformly without replacement from all n_units units,
        the group's own units included).
    seed : int or Generator for the random sets.

    Returns
    -------
    :class:`ClusteringResult`. The statistic is the mean over unordered pairs of the group of their
    distance. p is one-sided (small distance = clustered) and counts ties (within 1e-10 relative) as
    at least as clustered, so p >= 1 / (1 + n_perm) and p = 1 when the group is all units. Groups of
    fewer than 2 units: every float field is nan (``n`` still reports the size).
    """
    mask = np.asarray(member_mask)
    if mask.dtype != bool:
        raise TypeError(f"member_mask must be boolean; got dtype {mask.dtype}")
    coords = np.asarray(coordinates, dtype=np.float64)
    if coords.ndim != 2 or mask.ndim != 1 or coords.shape[0] != mask.shape[0]:
        raise ValueError(
            f"member_mask (n_units,) and coordinates (n_units, d) must agree; "
            f"got {mask.shape} and {coords.shape}"
        )
    n_perm = int(n_perm)
    if n_perm < 1:
        raise ValueError(f"n_perm must be >= 1; got {n_perm}")
    rng = _rng(seed)
    k = int(mask.sum())
    n_units = mask.shape[0]
    if k < 2:
        nan = float("nan")
        return ClusteringResult(nan, nan, nan, nan, nan, k)

    dist = pairwise_distances(coords)  # (n_units, n_units), zero diagonal
    n_pairs_x2 = k * (k - 1)  # each unordered pair appears twice in m @ D @ m

    def mean_dist(m: np.ndarray) -> np.ndarray:  # m: (p, n_units) 0/1 float
        return np.einsum("pi,pi->p", m @ dist, m) / n_pairs_x2

    observed = float(mean_dist(mask.astype(np.float64)[None, :])[0])
    base = np.zeros(n_units)
    base[:k] = 1.0
    null = np.empty(n_perm)
    for lo in range(0, n_perm, _PERM_CHUNK):
        hi = min(n_perm, lo + _PERM_CHUNK)
        sets = rng.permuted(np.broadcast_to(base, (hi - lo, n_units)), axis=1)  # each row: random k-set
        null[lo:hi] = mean_dist(sets)

    null_mean = float(null.mean())
    null_std = float(null.std(ddof=1)) if n_perm > 1 else float("nan")
    # a null with no spread beyond round-off (e.g. the group is all units) has no z
    degenerate = not null_std > 1e-12 * max(abs(null_mean), 1e-300)
    z = float("nan") if degenerate else (observed - null_mean) / null_std
    n_le = int(np.count_nonzero(null <= observed + 1e-10 * abs(observed)))
    p = (1 + n_le) / (1 + n_perm)
    return ClusteringResult(observed, null_mean, null_std, float(z), float(p), k)


# ----------------------------------------------------------------------------------------------------
# decoding
# ----------------------------------------------------------------------------------------------------


def _stratified_folds(codes: np.ndarray, n_folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold index per trial: each class shuffled, then dealt round-robin (continuing across classes)."""
    fold = np.empty(codes.size, dtype=np.int64)
    pos = 0
    for cls in np.unique(codes):
        idx = np.flatnonzero(codes == cls)
        idx = idx[rng.permutation(idx.size)]
        fold[idx] = (pos + np.arange(idx.size)) % n_folds
        pos += idx.size
    return fold


def decoding_accuracy(
    activity: npt.ArrayLike,
    labels: npt.ArrayLike,
    n_folds: int = 5,
    seed: int | np.random.Generator = 0,
    ridge: float = 1.0,
) -> np.ndarray:
    """Cross-validated linear decoding accuracy of a categorical label, one decoder per time step.

    Method: stratified ``n_folds``-fold cross-validation (folds seeded by ``seed``). For each fold and
    time step, the units' activities are standardised with the training trials' mean and SD (a unit
    constant in training gets SD 1), then a ridge regression (penalty ``ridge`` * identity, intercept
    unpenalised) is fit to one-hot targets; the predicted class of a held-out trial is the argmax of its
    fitted scores. All time steps are solved at once (batched normal equations).

    Parameters
    ----------
    activity : (n_trials, n_steps, n_units).
    labels : (n_trials,) categories (k >= 2 distinct values).
    n_folds : 2 <= n_folds <= n_trials.
    seed : int or Generator for the fold assignment.
    ridge : >= 0 penalty on standardised features (0 = least squares; may be singular).

    Returns
    -------
    (n_steps,) float64 accuracy: fraction of all trials predicted correctly when held out. Chance is
    about the frequency of the most common class (0.25 for 4 balanced classes).
    """
    a = _as_activity(activity)
    codes, n_folds, ridge = _decoding_args(labels, a.shape[0], n_folds, ridge)
    fold = _stratified_folds(codes, n_folds, _rng(seed))
    return _decode_steps(_DecodingBase.of(np.asarray(a, dtype=np.float64)), codes, fold, n_folds, ridge)


def decoding_predictions(
    activity: npt.ArrayLike,
    labels: npt.ArrayLike,
    n_folds: int = 5,
    seed: int | np.random.Generator = 0,
    ridge: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The held-out predictions behind :func:`decoding_accuracy` (same arguments, same method).

    Returns (predicted, fold): predicted (n_steps, n_trials), the label value predicted for each trial
    at each step by the decoder fit without the trial's fold; fold (n_trials,) int64 in [0, n_folds),
    each trial's fold. ``decoding_accuracy`` is ``(predicted == labels).mean(axis=1)``.
    """
    a = _as_activity(activity)
    codes, n_folds, ridge = _decoding_args(labels, a.shape[0], n_folds, ridge)
    fold = _stratified_folds(codes, n_folds, _rng(seed))
    pred = _decode_predictions(_DecodingBase.of(np.asarray(a, dtype=np.float64)), codes, fold, n_folds, ridge)
    return np.unique(_as_labels(labels, a.shape[0]))[pred], fold


def _decoding_args(
    labels: npt.ArrayLike, n_trials: int, n_folds: int, ridge: float
) -> tuple[np.ndarray, int, float]:
    """Checked arguments of :func:`decoding_accuracy`: (class codes (n_trials,) 0..k-1, n_folds, ridge)."""
    lab = _as_labels(labels, n_trials)
    _, codes = np.unique(lab, return_inverse=True)
    codes = codes.reshape(-1)
    if int(codes.max()) + 1 < 2:
        raise ValueError("labels has a single category: nothing to decode")
    n_folds = int(n_folds)
    if not 2 <= n_folds <= n_trials:
        raise ValueError(f"n_folds must be in [2, n_trials={n_trials}]; got {n_folds}")
    ridge = float(ridge)
    if not ridge >= 0:
        raise ValueError(f"ridge must be >= 0; got {ridge!r}")
    return codes, n_folds, ridge


class _DecodingBase(NamedTuple):
    """The label-independent parts of :func:`decoding_accuracy` (shared by every label of the same
    activity)."""

    x: np.ndarray  #: (n_steps, n_trials, n_units) float64 activity centred on its all-trial mean
    tiny: np.ndarray  #: (n_steps, n_units) training variance at or below which a unit counts as constant

    @classmethod
    def of(cls, a64: np.ndarray) -> _DecodingBase:
        """From float64 activity ``a64`` (n_trials, n_steps, n_units)."""
        # Centring on the all-trial mean moves no fold's fit (standardisation re-centres on the
        # training mean) and avoids cancellation in Sxx - n mu mu'.
        x = np.moveaxis(a64, 1, 0)  # (T, n_trials, U)
        x = x - x.mean(axis=1, keepdims=True)
        return cls(x, 1e-24 * (1.0 + np.abs(x).max(axis=1) ** 2))


def _decode_steps(
    base: _DecodingBase, codes: np.ndarray, fold: np.ndarray, n_folds: int, ridge: float
) -> np.ndarray:
    """Per-step cross-validated accuracy (n_steps,) of :func:`decoding_accuracy`, given the class
    ``codes`` (n_trials,) and the ``fold`` (n_trials,) of each trial."""
    pred = _decode_predictions(base, codes, fold, n_folds, ridge)
    return np.count_nonzero(pred == codes[None, :], axis=1) / codes.size


def _decode_predictions(
    base: _DecodingBase, codes: np.ndarray, fold: np.ndarray, n_folds: int, ridge: float
) -> np.ndarray:
    """Held-out predicted class codes (n_steps, n_trials) of :func:`decoding_predictions`."""
    # Sufficient statistics per fold, so each trial enters one Gram product (not n_folds - 1 of them).
    x = base.x
    n_steps, n_trials, n_units = x.shape
    n_classes = int(codes.max()) + 1
    y = np.zeros((n_trials, n_classes))
    y[np.arange(n_trials), codes] = 1.0
    members = [np.flatnonzero(fold == f) for f in range(n_folds)]
    members = [m for m in members if m.size]
    n_f = np.array([m.size for m in members], dtype=np.float64)
    xf = [np.ascontiguousarray(x[:, m]) for m in members]  # each (T, n_f, U)
    sx = np.stack([v.sum(axis=1) for v in xf])  # (F, T, U)
    sxx = np.stack([np.matmul(v.transpose(0, 2, 1), v) for v in xf])  # (F, T, U, U)
    sxy = np.stack([np.matmul(v.transpose(0, 2, 1), y[m]) for v, m in zip(xf, members)])  # (F, T, U, K)
    sy = np.stack([y[m].sum(axis=0) for m in members])  # (F, K)
    tot = sx.sum(0), sxx.sum(0), sxy.sum(0), sy.sum(0)
    eye = ridge * np.eye(n_units)
    predicted = np.empty((n_steps, n_trials), dtype=np.int64)
    for i, m in enumerate(members):
        n_tr = n_trials - n_f[i]
        mu = (tot[0] - sx[i]) / n_tr  # (T, U) training mean
        ymu = (tot[3] - sy[i]) / n_tr  # (K,)
        cxx = (tot[1] - sxx[i]) - n_tr * mu[:, :, None] * mu[:, None, :]  # (T, U, U) centred scatter
        cxy = (tot[2] - sxy[i]) - n_tr * mu[:, :, None] * ymu[None, None, :]  # (T, U, K)
        var = np.clip(np.einsum("tuu->tu", cxx) / n_tr, 0.0, None)
        # a unit constant over the training trials (up to round-off) is left out: its row, column and
        # target covariance are zeroed, so ridge gives it weight 0 (SD set to 1 to avoid 0/0)
        const = var <= base.tiny
        sd = np.where(const, 1.0, np.sqrt(var))
        live = (~const).astype(np.float64)
        inv = live / sd
        gram = cxx * inv[:, :, None] * inv[:, None, :] + eye
        rhs = cxy * inv[:, :, None]
        try:
            beta = np.linalg.solve(gram, rhs)  # (T, U, K), weights on standardised features
        except np.linalg.LinAlgError:
            beta = np.matmul(np.linalg.pinv(gram), rhs)
        zte = (xf[i] - mu[:, None, :]) / sd[:, None, :]  # (T, n_te, U)
        predicted[:, m] = np.argmax(np.matmul(zte, beta) + ymu, axis=2)  # (T, n_te)
    return predicted


# ----------------------------------------------------------------------------------------------------
# energy
# ----------------------------------------------------------------------------------------------------


def energy(activity: npt.ArrayLike) -> float:
    """Mean absolute activation: mean over trials, steps and units of |h| (activity units).

    For ReLU units (h >= 0) this is the mean firing rate on the probe set.
    """
    a = _as_activity(activity)
    return float(np.mean(np.abs(a), dtype=np.float64))


def unit_energy(activity: npt.ArrayLike) -> np.ndarray:
    """Mean absolute activation per unit, (n_units,) float64: mean over trials and steps of |h|."""
    a = _as_activity(activity)
    return np.mean(np.abs(a), axis=(0, 1), dtype=np.float64)


# ----------------------------------------------------------------------------------------------------
# summary
# ----------------------------------------------------------------------------------------------------


def function_measures(
    activity: npt.ArrayLike,
    goal: npt.ArrayLike,
    choice_options: npt.ArrayLike,
    correct_choice: npt.ArrayLike,
    coordinates: npt.ArrayLike,
    windows: Mapping[str, tuple[int, int]] | None,
    *,
    n_perm: int = 1000,
    seed: int = 0,
    ev_threshold: float = 0.1,
    n_folds: int = 5,
    ridge: float = 1.0,
    goal_window: str = "goal",
    choice_window: str = "choice",
) -> tuple[dict[str, float], list[dict]]:
    """All functional measures of one network on its probe-set activity (:func:`function_summary`
    without pandas: the per-window rows as a list of dicts).

    Parameters
    ----------
    activity : (n_trials, n_steps, n_units) hidden activity.
    goal, choice_options, correct_choice : (n_trials,) categories.
    coordinates : (n_units, d) unit positions.
    windows : name -> (start, stop); must contain ``goal_window`` and ``choice_window``. None means
        :func:`default_windows` ``(20, 10, n_steps - 30)`` (requires n_steps > 30).
    n_perm, seed : permutations and seed for the spatial-clustering nulls; ``seed`` also seeds the
        decoding folds (independent streams are spawned from it with ``numpy.random.SeedSequence``).
    ev_threshold : EV threshold of :func:`label_units`.
    n_folds, ridge : cross-validation folds and ridge penalty of :func:`decoding_accuracy`.
    goal_window, choice_window : names of the windows used below.

    Returns
    -------
    scalars : dict with keys :data:`FUNCTION_COLUMNS`, in that order, all Python floats:
        - ``energy``: :func:`energy` (mean |h| over trials, steps, units);
        - ``mixed_selectivity``: :func:`mixed_selectivity` of EV_goal vs EV_choice-options in the
          choice window;
        - ``ev_goal_mean``: mean over units of EV_goal in the goal window (where the goal is shown);
          ``ev_choice_mean`` / ``ev_correct_mean``: mean over units of EV by choice options / correct
          choice in the choice window (neither exists before the choices are shown);
        - ``n_goal_units`` / ``n_choice_units``: :func:`label_units` counts, EVs of the choice window;
        - ``{goal,choice}_cluster_{distance,p,z}``: :func:`spatial_clustering` of those groups (nan for
          groups of fewer than 2 units);
        - ``decoding_goal_mean``: mean over the goal window's steps of the goal's decoding accuracy;
          ``decoding_choice_mean``: mean over the choice window's steps of the choice options' one.
    rows : one dict per row, keys :data:`FRAME_COLUMNS` in that order. One row per window of ``windows``
        (``kind = "window"``, in mapping order) followed by one row per time step t (``kind = "step"``,
        ``window = "step_<t>"``, start t, stop t + 1). EV columns are means over units of the EV of the
        window-mean (or single-step) activity; ``mixed_selectivity`` is that of the row's window;
        ``decoding_*`` is the per-step accuracy (step rows) or its mean over the window's steps
        (window rows) for goal, choice options and correct choice.
    """
    a = _as_activity(activity)
    n_trials, n_steps, n_units = a.shape
    labels = {
        "goal": _as_labels(goal, n_trials, "goal"),
        "choice": _as_labels(choice_options, n_trials, "choice_options"),
        "correct": _as_labels(correct_choice, n_trials, "correct_choice"),
    }
    coords = np.asarray(coordinates, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[0] != n_units:
        raise ValueError(f"coordinates must be (n_units={n_units}, d); got shape {coords.shape}")
    if windows is None:
        if n_steps <= 30:
            raise ValueError(f"windows=None needs n_steps > 30 for the default windows; got {n_steps}")
        windows = default_windows(20, 10, n_steps - 30)
    wins = _check_windows(windows, n_steps)
    names = [w[0] for w in wins]
    for role, wname in (("goal_window", goal_window), ("choice_window", choice_window)):
        if wname not in names:
            raise ValueError(f"{role}={wname!r} is not among the windows {names}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int; got {seed!r}")

    ss_goal, ss_choice, ss_dec = np.random.SeedSequence(int(seed)).spawn(3)
    dec_seed = int(ss_dec.generate_state(1)[0])

    # EV per window (window-mean activity) and per single step
    user_windows = {w[0]: (w[1], w[2]) for w in wins}
    step_names = [f"step_{t}" for t in range(n_steps)]
    clash = sorted(set(user_windows) & set(step_names))
    if clash:
        raise ValueError(f"window names {clash} clash with the per-step rows' names; rename them")
    a64 = np.asarray(a, dtype=np.float64)
    ev_w = _labelled_ev(_window_means(a64, wins), labels)  # each (n_windows, n_units)
    ev_s = _labelled_ev(a64, labels)  # each (n_steps, n_units)
    ev = {name: np.concatenate([ev_w[name], ev_s[name]], axis=0) for name in labels}
    all_windows = {**user_windows, **{name: (t, t + 1) for t, name in enumerate(step_names)}}
    row = {name: i for i, name in enumerate(all_windows)}

    # decoding per step (same folds seed for each label; stratification follows each label), as
    # decoding_accuracy(a, lab, n_folds, dec_seed, ridge) but with the label-independent work done once
    dec_base = _DecodingBase.of(a64)
    dec = {}
    for name, lab in labels.items():
        codes, folds_n, ridge_ = _decoding_args(lab, n_trials, n_folds, ridge)
        dec[name] = _decode_steps(
            dec_base, codes, _stratified_folds(codes, folds_n, _rng(dec_seed)), folds_n, ridge_
        )

    gi, ci = row[goal_window], row[choice_window]
    goal_mask, choice_mask = label_units(ev["goal"][ci], ev["choice"][ci], ev_threshold)
    goal_cl = spatial_clustering(goal_mask, coords, n_perm=n_perm, seed=np.random.default_rng(ss_goal))
    choice_cl = spatial_clustering(choice_mask, coords, n_perm=n_perm, seed=np.random.default_rng(ss_choice))
    g0, g1 = windows[goal_window]
    c0, c1 = windows[choice_window]

    scalars = {
        "energy": energy(a),
        "mixed_selectivity": mixed_selectivity(ev["goal"][ci], ev["choice"][ci]),
        "ev_goal_mean": float(ev["goal"][gi].mean()),
        "ev_choice_mean": float(ev["choice"][ci].mean()),
        "ev_correct_mean": float(ev["correct"][ci].mean()),
        "n_goal_units": float(goal_mask.sum()),
        "n_choice_units": float(choice_mask.sum()),
        "goal_cluster_distance": goal_cl.distance,
        "goal_cluster_p": goal_cl.p,
        "goal_cluster_z": goal_cl.z,
        "choice_cluster_distance": choice_cl.distance,
        "choice_cluster_p": choice_cl.p,
        "choice_cluster_z": choice_cl.z,
        "decoding_goal_mean": float(dec["goal"][int(g0) : int(g1)].mean()),
        "decoding_choice_mean": float(dec["choice"][int(c0) : int(c1)].mean()),
    }
    assert tuple(scalars) == FUNCTION_COLUMNS  # internal invariant, not user input

    records = []
    for name, (start, stop) in all_windows.items():
        i = row[name]
        records.append(
            {
                "window": name,
                "kind": "window" if name in user_windows else "step",
                "start": int(start),
                "stop": int(stop),
                "ev_goal_mean": float(ev["goal"][i].mean()),
                "ev_choice_mean": float(ev["choice"][i].mean()),
                "ev_correct_mean": float(ev["correct"][i].mean()),
                "mixed_selectivity": mixed_selectivity(ev["goal"][i], ev["choice"][i]),
                "decoding_goal": float(dec["goal"][start:stop].mean()),
                "decoding_choice": float(dec["choice"][start:stop].mean()),
                "decoding_correct": float(dec["correct"][start:stop].mean()),
            }
        )
    return scalars, records


def empty_measures(
    windows: Mapping[str, tuple[int, int]], n_steps: int
) -> tuple[dict[str, float], list[dict]]:
    """What :func:`function_measures` returns for activity that cannot be analysed (non-finite: a
    diverged network): the same keys and rows (one per window, then one per time step of
    ``n_steps``), every measure NaN."""
    wins = {
        **{w[0]: (w[1], w[2]) for w in _check_windows(windows, n_steps)},
        **{f"step_{t}": (t, t + 1) for t in range(n_steps)},
    }
    nan = float("nan")
    records = [
        {
            "window": name,
            "kind": "step" if name.startswith("step_") else "window",
            "start": int(start),
            "stop": int(stop),
            **dict.fromkeys(FRAME_COLUMNS[4:], nan),
        }
        for name, (start, stop) in wins.items()
    ]
    return dict.fromkeys(FUNCTION_COLUMNS, nan), records


def function_summary(
    activity: npt.ArrayLike,
    goal: npt.ArrayLike,
    choice_options: npt.ArrayLike,
    correct_choice: npt.ArrayLike,
    coordinates: npt.ArrayLike,
    windows: Mapping[str, tuple[int, int]] | None,
    **options,
) -> tuple[dict[str, float], pd.DataFrame]:
    """:func:`function_measures` (same arguments; ``options`` are its keyword arguments) with its
    rows as a tidy DataFrame.

    Returns
    -------
    scalars : dict with keys :data:`FUNCTION_COLUMNS` (see :func:`function_measures`).
    frame : DataFrame, columns :data:`FRAME_COLUMNS`: one row per window of ``windows`` (``kind =
        "window"``) followed by one row per time step (``kind = "step"``), as described there.
    """
    import pandas as pd

    scalars, rows = function_measures(
        activity, goal, choice_options, correct_choice, coordinates, windows, **options
    )
    return scalars, pd.DataFrame.from_records(rows, columns=list(FRAME_COLUMNS))


def goal_at_step(
    activity: npt.ArrayLike,
    goal: npt.ArrayLike,
    step: int,
    *,
    n_folds: int = 5,
    seed: int | np.random.Generator = 0,
    ridge: float = 1.0,
) -> dict[str, float]:
    """How much of the goal the units hold at one time step (e.g. the last step of the delay, when
    the goal has to be remembered and nothing on screen shows it).

    activity : (n_trials, n_steps, n_units); goal : (n_trials,) categories; step : 0 <= step < n_steps.
    Returns ``ev_goal`` (mean over units of :func:`explained_variance` by goal at that step) and
    ``decoding_goal`` (:func:`decoding_accuracy` at that step, folds seeded by ``seed``).
    """
    a = _as_activity(activity)
    if isinstance(step, bool) or int(step) != step or not 0 <= step < a.shape[1]:
        raise ValueError(f"step must be an integer in [0, {a.shape[1]}); got {step!r}")
    x = a[:, int(step) : int(step) + 1, :]
    return {
        "ev_goal": float(explained_variance(x[:, 0], goal).mean()),
        "decoding_goal": float(decoding_accuracy(x, goal, n_folds, seed, ridge)[0]),
    }
