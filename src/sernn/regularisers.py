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

A regulariser of one's own: ``kind`` = ``"path/to/file.py:function"`` (a path relative to the working
directory, or absolute) or ``"module:function"`` (an importable module) names a function
``f(w, distance, strength)`` of TensorFlow tensors, W (N, N) float32, the distance matrix (N, N) float32
(already raised to ``distance_power``) and the strength (scalar float32), returning a scalar tensor:
the term added to the loss (the strength is the function's to apply). Its gradient is TensorFlow's
automatic differentiation. A stack of networks calls it once per network. ``check_user`` validates
such a function before any job runs.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

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

    if callable(kind) or is_user(kind):
        return _user_penalty(load_user(kind) if not callable(kind) else kind, w, strength, distance)
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


def is_user(kind) -> bool:
    """Whether ``kind`` names a user function (``file.py:function`` or ``module:function``)."""
    return isinstance(kind, str) and ":" in kind and kind not in REGULARISERS


def load_user(kind: str, base_dir: str | Path = "."):
    """The function named by ``kind`` = ``"path/file.py:function"`` (relative to ``base_dir``) or
    ``"module:function"``. Raises ``ValueError`` saying what is missing."""
    target, _, name = kind.rpartition(":")
    if not target or not name.isidentifier():
        raise ValueError(f"expected 'path/file.py:function' or 'module:function', got {kind!r}")
    if target.endswith(".py"):
        path = Path(target)
        path = path if path.is_absolute() else Path(base_dir) / path
        if not path.is_file():
            raise ValueError(f"no file {str(path)!r}")
        key = "sernn_user_regulariser_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
        if key not in sys.modules:
            spec = importlib.util.spec_from_file_location(key, path)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                raise ValueError(f"importing {str(path)!r} failed: {type(exc).__name__}: {exc}") from exc
            sys.modules[key] = module
        module = sys.modules[key]
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise ValueError(f"cannot import module {target!r}: {exc}") from exc
    fn = getattr(module, name, None)
    if not callable(fn):
        raise ValueError(f"{target!r} has no function {name!r}")
    return fn


def _user_penalty(fn, w, strength, distance):
    """``fn(w, distance, strength)`` per kernel: a scalar for w (N, N), (S,) for a stack (S, N, N)
    with ``strength`` a scalar or (S,)."""
    import tensorflow as tf

    d = tf.cast(distance, w.dtype) if distance is not None else None
    gamma = tf.cast(strength, w.dtype) if tf.is_tensor(strength) else tf.constant(strength, w.dtype)
    if len(w.shape) == 2:
        return tf.reshape(tf.cast(fn(w, d, gamma), w.dtype), [])
    gammas = tf.broadcast_to(gamma, tf.shape(w)[:1])
    values = [
        tf.reshape(tf.cast(fn(wi, d, gi), w.dtype), []) for wi, gi in zip(tf.unstack(w), tf.unstack(gammas))
    ]
    return tf.stack(values)


def check_user(kind: str, n_units: int, strength: float = 1.0, base_dir: str | Path = ".") -> None:
    """Validate a user regulariser before any job: the file (or module) and function exist, the
    function takes (w, distance, strength), and on a random W (N, N) (seed 0, sd 1/sqrt(N)) with
    distances of random points it returns one finite value with a finite gradient. Raises
    ``ValueError`` saying what failed."""
    import numpy as np

    fn = load_user(kind, base_dir)
    try:
        inspect.signature(fn).bind(None, None, None)
    except TypeError as exc:
        raise ValueError(f"the function must take (w, distance, strength): {exc}") from exc
    except ValueError:  # a builtin without a signature: let the call decide
        pass
    import tensorflow as tf

    rng = np.random.default_rng(0)
    w = tf.Variable(rng.normal(scale=1 / np.sqrt(n_units), size=(n_units, n_units)).astype(np.float32))
    points = rng.random((n_units, 3))
    distance = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1)).astype(np.float32)
    try:
        with tf.GradientTape() as tape:
            value = fn(w, tf.constant(distance), tf.constant(float(strength), tf.float32))
            value = tf.convert_to_tensor(value)
        grad = tape.gradient(value, w) if value.dtype.is_floating else None
    except Exception as exc:
        raise ValueError(f"calling it on a random W failed: {type(exc).__name__}: {exc}") from exc
    if value.shape.num_elements() != 1:
        raise ValueError(f"it must return a scalar, returned shape {value.shape.as_list()}")
    if not value.dtype.is_floating or not np.isfinite(float(tf.reshape(value, []))):
        raise ValueError(f"it returned {value.numpy()!r} on a random W (a finite float is needed)")
    if grad is None or not np.all(np.isfinite(grad.numpy())):
        raise ValueError("its gradient with respect to W is missing or not finite on a random W")
