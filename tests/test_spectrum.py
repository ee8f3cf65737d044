"""The follow-up measures (sernn.spectrum) against values derived by hand and plain numpy loops."""

import math

import numpy as np
import pytest

from sernn import spectrum
from sernn.embedding import distance_matrix, grid_coordinates
from sernn.metrics import METRIC_COLUMNS, network_metrics


def entropy_loop(w):
    """Plain-Python weight entropy: per row p = |w| / sum |w|, H = -sum p ln p, mean over rows."""
    hs = []
    for row in np.abs(np.asarray(w, float)):
        total = sum(row)
        if total == 0:
            continue
        hs.append(-sum((x / total) * math.log(x / total) for x in row if x > 0))
    return sum(hs) / len(hs)


def ring(n):
    a = np.zeros((n, n))
    for i in range(n):
        a[i, (i + 1) % n] = a[(i + 1) % n, i] = 1
    return a


def test_weight_entropy_of_hand_made_matrices():
    assert spectrum.weight_entropy(np.ones((5, 5))) == pytest.approx(math.log(5), rel=1e-12)
    assert spectrum.weight_entropy(-2.5 * np.eye(4)) == 0.0  # one weight per row, sign ignored
    # row 0: (1, 1, 2) -> p = (1/4, 1/4, 1/2), H = 1.5 ln 2; row 1: one weight, 0; row 2 all zero: left out
    w = np.array([[1.0, -1.0, 2.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0]])
    assert spectrum.weight_entropy(w) == pytest.approx(1.5 * math.log(2) / 2, rel=1e-12)
    assert math.isnan(spectrum.weight_entropy(np.zeros((3, 3))))
    rnd = np.random.default_rng(0).normal(size=(30, 30)) * (np.random.default_rng(1).random((30, 30)) < 0.3)
    assert spectrum.weight_entropy(rnd) == pytest.approx(entropy_loop(rnd), rel=1e-12)


def test_topological_entropy_of_rings_complete_graphs_and_a_directed_cycle():
    assert spectrum.topological_entropy(ring(7)) == pytest.approx(math.log(2), rel=1e-12)
    assert spectrum.topological_entropy(np.ones((6, 6)) - np.eye(6)) == pytest.approx(math.log(5), rel=1e-12)
    cycle = np.roll(np.eye(5), 1, axis=1)  # directed 5-cycle: eigenvalues the 5th roots of unity
    assert spectrum.topological_entropy(cycle) == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(spectrum.topological_entropy(np.zeros((4, 4))))
    # a star K_{1,4}: largest eigenvalue sqrt(4) = 2
    star = np.zeros((5, 5))
    star[0, 1:] = star[1:, 0] = 1
    assert spectrum.topological_entropy(star) == pytest.approx(math.log(2), rel=1e-12)


def test_spectral_radius_and_spread_of_known_spectra():
    # [[0, 2], [2, 0]]: eigenvalues +-2, centroid 0 -> radius 2, spread 2
    w = np.array([[0.0, 2.0], [2.0, 0.0]])
    assert spectrum.spectral_radius(w) == pytest.approx(2.0)
    assert spectrum.spectral_spread(w) == pytest.approx(2.0)
    # a scaled rotation: eigenvalues 3 e^{+-i theta}; centroid 3 cos theta; distance 3 sin theta each
    th = 0.7
    rot = 3 * np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    assert spectrum.spectral_radius(rot) == pytest.approx(3.0)
    assert spectrum.spectral_spread(rot) == pytest.approx(3 * math.sin(th))
    # a multiple of the identity: one eigenvalue N times -> no spread
    assert spectrum.spectral_spread(-0.4 * np.eye(6)) == pytest.approx(0.0, abs=1e-15)
    assert spectrum.spectral_radius(-0.4 * np.eye(6)) == pytest.approx(0.4)
    # triangular: the eigenvalues are the diagonal (1, -3, 2): centroid 0, spread sqrt(14/3)
    tri = np.array([[1.0, 5.0, -7.0], [0.0, -3.0, 4.0], [0.0, 0.0, 2.0]])
    assert spectrum.spectral_radius(tri) == pytest.approx(3.0)
    assert spectrum.spectral_spread(tri) == pytest.approx(math.sqrt(14 / 3))


def test_spectrum_measures_are_summary_columns_of_every_network():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(8, 8)).astype(np.float32)
    a = (np.abs(w) + np.abs(w.T) > 1.5).astype(np.uint8)
    np.fill_diagonal(a, 0)
    d = distance_matrix(grid_coordinates((2, 2, 2)))
    out = network_metrics(w, a, d, n_nulls=4)
    assert set(spectrum.SPECTRUM_COLUMNS) <= set(METRIC_COLUMNS)
    lam = np.linalg.eigvals(w.astype(float))
    assert out["spectral_radius"] == pytest.approx(max(abs(lam)), rel=1e-12)
    assert out["spectral_spread"] == pytest.approx(np.std(lam), rel=1e-12)  # numpy's complex std
    assert out["weight_entropy"] == pytest.approx(entropy_loop(w), rel=1e-12)
    assert out["topological_entropy"] == pytest.approx(math.log(max(np.linalg.eigvalsh(a.astype(float)))))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="square"):
        spectrum.weight_entropy(np.ones((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        spectrum.spectral_radius(np.array([[np.nan, 0.0], [0.0, 1.0]]))
