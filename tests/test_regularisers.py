"""Each regulariser against a direct numpy/scipy computation, and its gradient against finite
differences (float64, central differences)."""

import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf

from sernn import embedding, regularisers

D = embedding.distance_matrix(embedding.grid_coordinates((5, 5, 4)))


def communicability_np(w):
    a = np.abs(w)
    s = a.sum(1)
    inv = np.where(s > 0, 1 / np.sqrt(np.where(s > 0, s, 1)), 0.0)
    c = scipy.linalg.expm(inv[:, None] * a * inv[None, :])
    np.fill_diagonal(c, 0)
    return c


def penalty_np(w, kind, gamma, d, k=1.0):
    a = np.abs(w)
    if kind == "L1":
        return gamma * a.sum()
    if kind == "spatial":
        return gamma * (a * d).sum()
    c = communicability_np(w) ** k
    if kind == "communicability":
        return gamma * (a * c).sum()
    return gamma * (a * c * d).sum()


def random_w(n=100, seed=0, scale=0.1):
    return np.random.default_rng(seed).normal(scale=scale, size=(n, n))


@pytest.mark.parametrize("kind", regularisers.REGULARISERS)
@pytest.mark.parametrize("k", [1.0, 0.5])
def test_value_matches_numpy(kind, k):
    w = random_w(seed=1)
    got = float(regularisers.penalty(tf.constant(w), kind, 0.3, tf.constant(D), comms_factor=k))
    np.testing.assert_allclose(got, penalty_np(w, kind, 0.3, D, k), rtol=1e-10)


def test_value_float32_matches_numpy():
    w = random_w(seed=2)
    got = float(regularisers.penalty(tf.constant(w, tf.float32), "seRNN", 0.3, tf.constant(D, tf.float32)))
    np.testing.assert_allclose(got, penalty_np(w, "seRNN", 0.3, D), rtol=2e-5)


@pytest.mark.parametrize("scale", [1e-3, 0.1, 3.0, 10.0])
def test_expm_matches_scipy_across_norms(scale):
    a = np.abs(np.random.default_rng(3).normal(scale=scale, size=(30, 30)))
    got = regularisers.expm(tf.constant(a)).numpy()
    np.testing.assert_allclose(got, scipy.linalg.expm(a), rtol=1e-9, atol=1e-12)


def test_expm_of_zero_is_identity():
    np.testing.assert_array_equal(regularisers.expm(tf.zeros((5, 5), tf.float64)).numpy(), np.eye(5))


@pytest.mark.parametrize("kind", regularisers.REGULARISERS)
def test_gradient_matches_finite_differences(kind):
    n = 12
    d = embedding.distance_matrix(embedding.grid_coordinates((3, 2, 2)))
    w = random_w(n, seed=4, scale=0.5)
    wt = tf.Variable(w)
    with tf.GradientTape() as tape:
        val = regularisers.penalty(wt, kind, 0.7, tf.constant(d), comms_factor=1.0)
    grad = tape.gradient(val, wt).numpy()
    h = 1e-6
    rng = np.random.default_rng(5)
    for i, j in rng.integers(0, n, size=(25, 2)):
        wp, wm = w.copy(), w.copy()
        wp[i, j] += h
        wm[i, j] -= h
        fd = (penalty_np(wp, kind, 0.7, d) - penalty_np(wm, kind, 0.7, d)) / (2 * h)
        np.testing.assert_allclose(grad[i, j], fd, rtol=1e-5, atol=1e-8)


def test_zero_row_gives_finite_loss_and_gradient():
    w = random_w(20, seed=6)
    w[3, :] = 0.0  # unit 3 sends nothing: its row of |W| sums to zero
    w[:, 7] = 0.0
    w[7, :] = 0.0  # unit 7 isolated
    wt = tf.Variable(w)
    d = embedding.distance_matrix(np.random.default_rng(0).normal(size=(20, 3)))
    with tf.GradientTape() as tape:
        val = regularisers.penalty(wt, "seRNN", 0.3, tf.constant(d))
    grad = tape.gradient(val, wt).numpy()
    assert np.isfinite(float(val)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(float(val), penalty_np(w, "seRNN", 0.3, d), rtol=1e-10)


def test_all_zero_matrix_is_finite():
    wt = tf.Variable(tf.zeros((10, 10), tf.float64))
    with tf.GradientTape() as tape:
        val = regularisers.penalty(wt, "communicability", 1.0)
    assert float(val) == 0.0 and np.all(np.isfinite(tape.gradient(val, wt).numpy()))


def test_unknown_regulariser_is_named():
    with pytest.raises(ValueError, match="'L2'"):
        regularisers.penalty(tf.zeros((3, 3)), "L2", 0.1)
