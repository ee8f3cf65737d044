"""Binarising recurrent weight matrices before binary graph analysis.

The order of operations is fixed and recorded with every result:

1. |W| (magnitudes; the sign of a weight is ignored);
2. drop the diagonal (self-connections set to 0) if ``drop_diagonal``;
3. symmetrise: ``none`` keeps the directed matrix, ``max`` takes max(|W|, |W|^T), ``mean`` takes
   (|W| + |W|^T) / 2;
4. threshold: ``proportional`` keeps the strongest fraction p of the candidate entries (the paper's
   BCT ``threshold_proportional``; candidates are the off-diagonal entries, the upper triangle only
   when the matrix is symmetric, so that p is the density of the resulting graph), ties broken by a
   stable sort (lower flat index first), exactly round(p * candidates) kept; ``quantile`` keeps the
   entries strictly above the (1 - p)-quantile of all n*n entries (the notebook's rule: p = 0.1 is
   its 0.9 quantile).

With ``symmetrise: none`` the adjacency stays directed. Undirected measures need a symmetric graph:
``undirected`` turns a directed 0/1 adjacency into an undirected one by A OR A^T and drops the
diagonal, which is what the metrics step applies (and records) before any undirected measure.
"""

from __future__ import annotations

import numpy as np

SYMMETRISE = ("none", "max", "mean")
METHODS = ("proportional", "quantile")


def magnitudes(w: np.ndarray, symmetrise: str = "max", drop_diagonal: bool = True) -> np.ndarray:
    """Steps 1-3 above. w: (n, n) signed, finite weights. Returns (n, n) float64 >= 0.

    Non-finite weights (a diverged network) raise ``ValueError``: a NaN has no rank, and dropping it
    would silently give a sparser graph. Callers mark such snapshots instead (``finite_snapshots``)."""
    if symmetrise not in SYMMETRISE:
        raise ValueError(f"symmetrise must be one of {SYMMETRISE}, got {symmetrise!r}")
    a = np.abs(np.asarray(w, dtype=np.float64))
    if not np.all(np.isfinite(a)):
        raise ValueError(
            f"weights must be finite to binarise (a diverged network?): "
            f"{int(np.count_nonzero(~np.isfinite(a)))} of {a.size} are NaN or inf"
        )
    if drop_diagonal:
        a = a.copy()
        np.fill_diagonal(a, 0.0)
    if symmetrise == "max":
        a = np.maximum(a, a.T)
    elif symmetrise == "mean":
        a = (a + a.T) / 2.0
    return a


def threshold_proportional(a: np.ndarray, fraction: float, symmetric: bool) -> np.ndarray:
    """Keep the strongest ``fraction`` of the off-diagonal entries of ``a`` (upper triangle only when
    ``symmetric``, then mirrored). a: (n, n) >= 0. Returns (n, n) uint8 adjacency; zero-weight
    entries are never kept, so fewer edges may result when fewer than the quota are non-zero."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"binarise.fraction must lie in [0, 1], got {fraction!r}")
    n = a.shape[0]
    rows, cols = np.triu_indices(n, 1) if symmetric else np.nonzero(~np.eye(n, dtype=bool))
    values = a[rows, cols]
    k = int(round(fraction * values.size))
    order = np.argsort(-values, kind="stable")[:k]
    order = order[values[order] > 0]
    out = np.zeros((n, n), dtype=np.uint8)
    out[rows[order], cols[order]] = 1
    if symmetric:
        out |= out.T
    return out


def threshold_quantile(a: np.ndarray, fraction: float) -> np.ndarray:
    """The notebook's rule: keep entries strictly above the (1 - fraction)-quantile of all n*n
    entries of ``a`` (diagonal included in the quantile if it was not dropped). Returns (n, n) uint8."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"binarise.fraction must lie in [0, 1], got {fraction!r}")
    return (a > np.quantile(a, 1.0 - fraction)).astype(np.uint8)


def binarise(
    w: np.ndarray,
    method: str = "proportional",
    fraction: float = 0.1,
    symmetrise: str = "max",
    drop_diagonal: bool = True,
) -> np.ndarray:
    """Binarise one weight matrix. w: (n, n) signed weights. Returns (n, n) uint8 0/1 adjacency
    (symmetric unless ``symmetrise == "none"``). ``fraction`` is the fraction of weights kept."""
    a = magnitudes(w, symmetrise, drop_diagonal)
    if method == "proportional":
        return threshold_proportional(a, fraction, symmetric=symmetrise != "none")
    if method == "quantile":
        return threshold_quantile(a, fraction)
    raise ValueError(f"binarise.method must be one of {METHODS}, got {method!r}")


def binarise_stack(ws: np.ndarray, **options) -> np.ndarray:
    """``binarise`` over a stack of matrices. ws: (k, n, n) finite. Returns (k, n, n) uint8."""
    return np.stack([binarise(w, **options) for w in ws])


def finite_snapshots(ws: np.ndarray) -> np.ndarray:
    """Which matrices of a stack hold only finite weights. ws: (k, n, n). Returns (k,) bool."""
    ws = np.asarray(ws)
    return np.isfinite(ws).reshape(ws.shape[0], -1).all(axis=1)


def undirected(adjacency: np.ndarray) -> np.ndarray:
    """A OR A^T with zero diagonal: the undirected graph that undirected measures see.
    adjacency: (n, n) 0/1. Returns (n, n) uint8 symmetric."""
    a = np.asarray(adjacency) != 0
    a = a | a.T
    np.fill_diagonal(a, False)
    return a.astype(np.uint8)
