"""Weight entropy and eigenvalue-spectrum measures of one network (Sheeran et al. 2024, "Spatial
embedding promotes a specific form of modularity with low entropy and heterogeneous spectral
dynamics").

- ``weight_entropy(W)``: with p_ij = |W_ij| / sum_j |W_ij| (row i = the outgoing weights of unit i,
  self-connection included), H = the mean over units i of -sum_j p_ij ln p_ij (nats; 0 ln 0 = 0).
  Units whose row is all zero have no distribution and are left out of the mean; NaN if every row is.
  H is ln N for uniform rows and 0 for rows with one non-zero weight.
- ``topological_entropy(A)``: ln of the largest eigenvalue of the binary adjacency A (the growth
  rate of the number of walks of length k, ~ lambda_max^k). NaN for a graph without edges.
- ``spectral_radius(W)``: max_k |lambda_k| over the eigenvalues of the signed weight matrix W.
- ``spectral_spread(W)``: the root mean squared distance of W's eigenvalues from their centroid in the
  complex plane, sqrt(mean_k |lambda_k - mean(lambda)|^2): 0 when all eigenvalues coincide, larger
  the more heterogeneous the spectrum (the modes' time scales and frequencies).

Pure numpy in float64, arrays in, floats out.
"""

from __future__ import annotations

import numpy as np

#: The columns ``spectrum_measures`` returns, in order.
SPECTRUM_COLUMNS: tuple[str, ...] = (
    "weight_entropy",
    "topological_entropy",
    "spectral_radius",
    "spectral_spread",
)


def _square(a: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be a square (N, N) matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return a


def weight_entropy(weights: np.ndarray) -> float:
    """Mean over units of the Shannon entropy (nats) of the unit's normalised absolute outgoing
    weights. weights: (N, N), row = source. Returns a float (NaN if every row is zero)."""
    w = np.abs(_square(weights, "weights"))
    totals = w.sum(axis=1)
    rows = totals > 0
    if not rows.any():
        return float("nan")
    p = w[rows] / totals[rows, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return float(np.mean(-terms.sum(axis=1)))


def topological_entropy(adjacency: np.ndarray) -> float:
    """ln of the largest eigenvalue (real part; the Perron root of a non-negative matrix) of the 0/1
    adjacency (N, N), symmetric or not. NaN when that eigenvalue is not positive (no cycles)."""
    a = _square(adjacency, "adjacency")
    if np.allclose(a, a.T):
        lam = float(np.linalg.eigvalsh(a)[-1])
    else:
        lam = float(np.max(np.linalg.eigvals(a).real))
    return float(np.log(lam)) if lam > 1e-12 else float("nan")


def eigenvalues(weights: np.ndarray) -> np.ndarray:
    """The N complex eigenvalues of the weight matrix (N, N); complex128 (N,)."""
    return np.linalg.eigvals(_square(weights, "weights")).astype(np.complex128)


def spectral_radius(weights: np.ndarray) -> float:
    """Largest eigenvalue modulus of the signed weight matrix (N, N)."""
    return float(np.max(np.abs(eigenvalues(weights))))


def spectral_spread(weights: np.ndarray) -> float:
    """sqrt(mean_k |lambda_k - mean(lambda)|^2) over the eigenvalues of the weight matrix (N, N)."""
    lam = eigenvalues(weights)
    return float(np.sqrt(np.mean(np.abs(lam - lam.mean()) ** 2)))


def spectrum_measures(weights: np.ndarray, adjacency: np.ndarray) -> dict[str, float]:
    """The four measures of one network: weights (N, N) signed, row = source; adjacency (N, N) 0/1
    (binarised by the caller). Returns {column: float} in ``SPECTRUM_COLUMNS`` order."""
    lam = eigenvalues(weights)
    return {
        "weight_entropy": weight_entropy(weights),
        "topological_entropy": topological_entropy(adjacency),
        "spectral_radius": float(np.max(np.abs(lam))),
        "spectral_spread": float(np.sqrt(np.mean(np.abs(lam - lam.mean()) ** 2))),
    }
