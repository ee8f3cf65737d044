"""Binarisation keeps exactly the requested fraction, and the choices behave as documented."""

import numpy as np
import pytest

from sernn import binarise


def w(n=100, seed=0):
    return np.random.default_rng(seed).normal(size=(n, n))


@pytest.mark.parametrize("fraction", [0.05, 0.1, 0.25, 0.5])
def test_proportional_symmetric_keeps_fraction_of_pairs(fraction):
    a = binarise.binarise(w(), "proportional", fraction, "max", True)
    n = 100
    assert np.array_equal(a, a.T) and not a.diagonal().any()
    assert a[np.triu_indices(n, 1)].sum() == round(fraction * n * (n - 1) / 2)


@pytest.mark.parametrize("fraction", [0.1, 0.2])
def test_proportional_directed_keeps_fraction_of_entries(fraction):
    a = binarise.binarise(w(), "proportional", fraction, "none", True)
    assert a.sum() == round(fraction * 100 * 99) and not a.diagonal().any()


def test_proportional_keeps_the_strongest():
    m = w(30, 1)
    a = binarise.binarise(m, "proportional", 0.1, "none", True)
    mag = np.abs(m)
    np.fill_diagonal(mag, -1)
    assert mag[a == 1].min() > mag[(a == 0) & ~np.eye(30, dtype=bool)].max()


def test_symmetrise_max_and_mean():
    m = np.array([[0, 3, 0.1], [-1, 0, 2], [0.5, -0.2, 0]])
    np.testing.assert_allclose(binarise.magnitudes(m, "max"), [[0, 3, 0.5], [3, 0, 2], [0.5, 2, 0]])
    np.testing.assert_allclose(binarise.magnitudes(m, "mean"), [[0, 2, 0.3], [2, 0, 1.1], [0.3, 1.1, 0]])
    # one pair of three kept: the strongest pair under each rule
    assert binarise.binarise(m, "proportional", 1 / 3, "max")[0, 1] == 1
    assert binarise.binarise(m, "proportional", 1 / 3, "mean")[0, 1] == 1


def test_ties_are_broken_to_the_exact_count():
    m = np.ones((10, 10))
    a = binarise.binarise(m, "proportional", 0.2, "max")
    assert a[np.triu_indices(10, 1)].sum() == 9


def test_zero_weights_are_never_edges():
    m = np.zeros((10, 10))
    m[0, 1] = 1.0
    a = binarise.binarise(m, "proportional", 0.5, "max")
    assert a.sum() == 2


def test_quantile_is_the_notebooks_rule():
    m = w(50, 2)
    a = binarise.binarise(m, "quantile", 0.1, "none", drop_diagonal=False)
    np.testing.assert_array_equal(a, (np.abs(m) > np.quantile(np.abs(m), 0.9)).astype(np.uint8))


def test_undirected_or_rule():
    a = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=np.uint8)
    np.testing.assert_array_equal(binarise.undirected(a), [[0, 1, 1], [1, 0, 0], [1, 0, 0]])


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="'both'"):
        binarise.binarise(w(5), symmetrise="both")
    with pytest.raises(ValueError, match="1.5"):
        binarise.binarise(w(5), fraction=1.5)
    with pytest.raises(ValueError, match="'top'"):
        binarise.binarise(w(5), method="top")
