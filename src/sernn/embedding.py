"""Where the recurrent units sit in space, and the distances between them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist, squareform

from . import storage


def grid_coordinates(shape: tuple[int, int, int]) -> np.ndarray:
    """Integer coordinates of units on a 3D grid, in the notebook's order (``np.meshgrid`` x, y, z
    flattened). shape: (nx, ny, nz), e.g. (5, 5, 4). Returns (nx*ny*nz, 3) float64."""
    if len(shape) != 3 or any(int(s) != s or s < 1 for s in shape):
        raise ValueError(f"grid must be three positive integers, got {list(shape)!r}")
    x, y, z = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), np.arange(shape[2]))
    return np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1).astype(np.float64)


def load_coordinates(path: str | Path, n_units: int) -> np.ndarray:
    """Unit coordinates from a file: ``.npy`` of shape (n_units, 3) or a text/CSV file with three
    columns (comma or whitespace separated, ``#`` comments, an optional header line; read by
    ``sernn.storage.read_coordinates``). Returns (n_units, 3) float64. Raises
    ``sernn.storage.FormatError`` (a ``ValueError``) naming the file and what is wrong: missing,
    not numbers, another shape, non-finite values."""
    coords = storage.read_coordinates(path)
    where = f"coordinates file {str(path)!r}"
    if coords.shape != (n_units, 3):
        raise storage.FormatError(
            f"{where} holds shape {coords.shape}, expected ({n_units}, 3) for model.n_units = {n_units}"
        )
    if not np.all(np.isfinite(coords)):
        raise storage.FormatError(f"{where} holds non-finite values")
    return coords


def distance_matrix(coords: np.ndarray, metric: str = "euclidean", power: float = 1.0) -> np.ndarray:
    """Pairwise distances between units raised to ``power``. coords: (n, 3). Returns (n, n) float64,
    zero diagonal, in grid units (``metric`` as in ``scipy.spatial.distance.pdist``)."""
    return squareform(pdist(coords, metric=metric) ** power)
