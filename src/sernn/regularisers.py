"""Regularisers on the recurrent kernel W (TensorFlow, differentiable).

All take the signed recurrent kernel ``w`` (N, N), float32 tensor, row = presynaptic unit as in
Keras (``h_t = relu(x_t W_in + h_{t-1} W + b)``), and return a scalar tensor added to the task loss:

- ``L1``:              gamma * sum |W|
- ``spatial``:         gamma * sum |W| o D                 (the paper's "Donly", notebook ``SE1``)
- ``communicability``: gamma * sum |W| o C**k              (the paper's "Conly")
- ``seRNN``:           gamma * sum |W| o C**k o D          (notebook ``SE1_sWc``)

with D the (N, N) distance matrix (already raised to ``distance_power``), k = ``comms_factor`` and
C = expm(S^-1/2 |W| S^-1/2) with zero diagonal, S = diag(row sums of |W|) (Crofts & Higham 2009).
Gradients flow through C. A row of |W| summing to 0 would make S^-1/2 infinite: such a row gets
S^-1/2 = 0 (its unit then neither sends nor receives communicability), so the loss and its gradient
stay finite.
"""

from __future__ import annotations

# TensorFlow is imported inside the functions, so that the names here cost nothing to import.

REGULARISERS = ("L1", "seRNN", "spatial", "communicability")

#: Taylor order of ``expm``; with the argument scaled to 1-norm <= 0.5 the truncation error is
#: below 0.5**(ORDER+1) / (ORDER+1)! ~ 5e-12, far under float32 resolution.
TAYLOR_ORDER = 10
#: Bound on the squarings (needed for XLA); 2**64 covers any finite float32 1-norm.
MAX_SQUARINGS = 64


def expm(a):
    """Matrix exponential by scaling and squaring of a fixed-order Taylor series.

    a: (..., N, N) float tensor (a batch of matrices allowed). Each matrix is scaled by 2**-s with
    s the smallest integer making its 1-norm <= 0.5, the Taylor polynomial is evaluated by Horner's
    rule, then squared s times (per matrix, so a matrix's result does not depend on the batch).
    Differentiable (plain matmuls), unlike the Pade path of ``tf.linalg.expm`` that is slower here.
    """
    import tensorflow as tf

    norm = tf.reduce_max(tf.reduce_sum(tf.abs(a), axis=-2), axis=-1)
    s = tf.maximum(
        tf.math.ceil(tf.math.log(norm / 0.5) / tf.math.log(tf.constant(2.0, a.dtype))), tf.zeros_like(norm)
    )
    s = tf.stop_gradient(s)
    x = a / tf.pow(tf.constant(2.0, a.dtype), s)[..., None, None]
    eye = tf.eye(tf.shape(a)[-1], dtype=a.dtype)
    out = eye + tf.zeros_like(a)
    for k in range(TAYLOR_ORDER, 0, -1):
        out = eye + tf.matmul(x, out) / float(k)
    squarings = tf.cast(s, tf.int32)

    def square(i, m):
        return i + 1, tf.where((i < squarings)[..., None, None], tf.matmul(m, m), m)

    _, out = tf.while_loop(
        lambda i, m: i < tf.reduce_max(squarings),
        square,
        (tf.constant(0), out),
        maximum_iterations=MAX_SQUARINGS,
    )
    return out


def communicability(abs_w):
    """Weighted communicability C = expm(S^-1/2 |W| S^-1/2), zero diagonal.

    abs_w: (..., N, N) non-negative tensor. Rows summing to zero get S^-1/2 = 0 (see module
    docstring). Returns (..., N, N).
    """
    import tensorflow as tf

    strength = tf.reduce_sum(abs_w, axis=-1)
    positive = strength > 0
    inv_sqrt = tf.where(
        positive, tf.math.rsqrt(tf.where(positive, strength, tf.ones_like(strength))), tf.zeros_like(strength)
    )
    normalised = inv_sqrt[..., :, None] * abs_w * inv_sqrt[..., None, :]
    c = expm(normalised)
    return tf.linalg.set_diag(c, tf.zeros_like(strength))


def penalty(w, kind: str, strength: float, distance=None, comms_factor: float = 1.0):
    """The regularisation term of ``kind`` (one of ``REGULARISERS``) at ``strength`` (gamma, >= 0).

    w: (N, N) recurrent kernel, or a batch (..., N, N) of kernels; distance: (N, N) distances
    (needed by seRNN and spatial). Returns a tensor of the same dtype as ``w``: a scalar, or one
    value per kernel of a batch.
    """
    import tensorflow as tf

    if kind not in REGULARISERS:
        raise ValueError(f"unknown regulariser {kind!r}; expected one of {', '.join(REGULARISERS)}")
    abs_w = tf.abs(w)
    cost = abs_w
    if kind in ("seRNN", "communicability"):
        c = communicability(abs_w)
        if comms_factor != 1:
            c = tf.pow(c, comms_factor)
        cost = cost * c
    if kind in ("seRNN", "spatial"):
        if distance is None:
            raise ValueError(f"regulariser {kind!r} needs a distance matrix")
        cost = cost * tf.cast(distance, w.dtype)
    gamma = tf.cast(strength, w.dtype) if tf.is_tensor(strength) else tf.constant(strength, w.dtype)
    return gamma * tf.reduce_sum(cost, axis=[-2, -1])
