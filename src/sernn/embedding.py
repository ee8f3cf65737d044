"""Where the recurrent units sit in space, and the distances between them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist, squareform


def grid_coordinates(shape: tuple[int, int, int]) -> np.ndarray:
    """Integer coordinates of units on a 3D grid, in the notebook's order (``np.meshgrid`` x, y, z
    flattened). shape: (nx, ny, nz), e.g. (5, 5, 4). Returns (nx*ny*nz, 3) float64."""
    if len(shape) != 3 or any(int(s) != s or s < 1 for s in shape):
        raise ValueError(f"grid must be three positive integers, got {list(shape)!r}")
    x, y, z = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), np.arange(shape[2]))
    return np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1).astype(np.float64)


def load_coordinates(path: str | Path, n_units: int) -> np.ndarray:
    """Unit coordinates from a file: ``.npy`` of shape (n_units, 3) or a text/CSV file with three
    columns (comma or whitespace separated, ``#`` comments, an optional header line).
    Returns (n_units, 3) float64."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"coordinates file {str(path)!r} does not exist")
    if path.suffix == ".npy":
        coords = np.load(path)
    else:
        text = path.read_text().splitlines()
        rows = [ln for ln in text if ln.strip() and not ln.lstrip().startswith("#")]
        delim = "," if rows and "," in rows[0] else None
        try:
            coords = np.loadtxt(rows, delimiter=delim, ndmin=2)
        except ValueError:  # a header line
            coords = np.loadtxt(rows[1:], delimiter=delim, ndmin=2)
    coords = np.asarray(coords, dtype=np.float64)
    if coords.shape != (n_units, 3):
        raise ValueError(f"coordinates file {str(path)!r} holds shape {coords.shape}, "
                         f"expected ({n_units}, 3) for model.n_units = {n_units}")
    if not np.all(np.isfinite(coords)):
        raise ValueError(f"coordinates file {str(path)!r} holds non-finite values")
    return coords


def distance_matrix(coords: np.ndarray, metric: str = "euclidean", power: float = 1.0) -> np.ndarray:
    """Pairwise distances between units raised to ``power``. coords: (n, 3). Returns (n, n) float64,
    zero diagonal, in grid units (``metric`` as in ``scipy.spatial.distance.pdist``)."""
    return squareform(pdist(coords, metric=metric) ** power)
