"""The timing anchor of the benchmarks: the authors' demo notebook's algorithm, stage by stage.

This is not pipeline code and not a model to follow. It does what the public demo notebook of the
seRNN paper does, with the same algorithmic cost, so that the stage benchmarks can print "ours
against the notebook" ratios measured side by side in one run:

- ``dataset``: the maze problems are held in a pandas table; each call rebuilds every problem's
  flattened observation with a row-wise ``DataFrame.apply`` and then grows the session one problem
  at a time with ``np.append`` (a copy per problem: quadratic in the number of problems);
- ``train``: a Keras ``Sequential`` model (GaussianNoise(0.05) -> SimpleRNN(100, relu, orthogonal
  recurrent initialiser) -> Dense(4, softmax)) with the seRNN penalty as a Keras regulariser on the
  recurrent kernel, trained by ``Model.fit`` with Adam and validation on the test split after every
  epoch, and a callback copying the recurrent kernel before training and after each epoch;
- ``metrics``: the last snapshot binarised at its 0.9 quantile (directed, diagonal kept), bctpy's
  ``modularity_und`` (which fails under numpy 2: the error is recorded), and the notebook's
  small-worldness loop: 1,000 null matrices made one at a time (uniform noise, symmetrised,
  thresholded at 0.7; not density-matched), each measured by bctpy's ``clustering_coef_bu`` and
  ``efficiency_bin``. Both the notebook's formula (which divides by E/E_null) and the corrected one
  (which multiplies) are printed.

Only the library calls the notebook makes are updated to today's TensorFlow / Keras 3 / numpy 2.

Usage:  .venv/bin/python benchmarks/notebook_baseline.py [--strength 0.3] [--epochs 10]
            [--nperm 1000] [--problems 5120 2560 2560] [--stages dataset,train,metrics]
Prints one JSON line: ``seconds`` per stage (``import``, ``dataset``, ``train``, ``modularity``,
``smallworld``) and the notebook's outputs (validation accuracy per epoch, modularity or its error,
both small-worldness forms). Needs tensorflow, keras, pandas, scipy and bctpy (all in
requirements.txt).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

GOALS = [9, 9, 19, 17, 17, 7, 19, 7]
CHOICES = ["ul", "rd", "ld", "rd", "ul", "ur", "lr", "lr"]
ANSWERS = ["u", "r", "d", "d", "l", "u", "r", "l"]
GOAL_INPUT = {7: 0, 9: 1, 17: 2, 19: 3}
DIRECTION = {"l": 0, "u": 1, "r": 2, "d": 3}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="the demo notebook's algorithm, timed stage by stage")
    p.add_argument("--strength", type=float, default=0.3, help="seRNN regularisation strength")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--nperm", type=int, default=1000, help="null matrices of the small-worldness loop")
    p.add_argument("--problems", type=int, nargs=3, default=[5120, 2560, 2560], help="train test val")
    p.add_argument("--stages", default="dataset,train,metrics", help="comma-separated subset")
    return p.parse_args(argv)


def _hot(indices, size: int = 8, offset: int = 0) -> np.ndarray:
    """A ``size``-vector with ones at ``indices`` + ``offset``, set one at a time as the notebook does."""
    v = np.zeros(size, dtype=int)
    for i in indices:
        v[i + offset] = 1
    return v


class NotebookMazes:
    """The notebook's maze generator: one pandas row per problem, observations built by ``apply``."""

    def __init__(self, goal_steps: int, delay_steps: int, choice_steps: int):
        import pandas as pd

        self.steps = (goal_steps, delay_steps, choice_steps)
        table = pd.DataFrame({"goal": GOALS, "choices": CHOICES, "answer": ANSWERS})
        table["goal_vec"] = table["goal"].map(lambda g: _hot([GOAL_INPUT[g]]))
        table["choice_vec"] = table["choices"].map(lambda c: _hot([DIRECTION[d] for d in c], offset=4))
        table["label"] = table["answer"].map(lambda a: _hot([DIRECTION[a]], size=4))
        self.table = table

    def _problem(self, row) -> np.ndarray:
        goal, delay, choice = self.steps
        silence = np.zeros(8 * delay, dtype=int)
        return np.concatenate((np.tile(row["goal_vec"], goal), silence, np.tile(row["choice_vec"], choice)))

    def session(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` problems drawn uniformly with the global numpy stream: inputs (n, T, 8), labels (n, 4)."""
        self.table["problem"] = self.table.apply(self._problem, axis=1)
        order = np.random.randint(0, 8, n)
        inputs, labels = np.array([]), np.array([])
        for i in order:  # one copy of everything so far per problem, as the notebook does
            inputs = np.append(inputs, self.table.iloc[i]["problem"])
            labels = np.append(labels, self.table.iloc[i]["label"])
        inputs = inputs.reshape(-1, sum(self.steps), 8).astype("float32")
        return inputs, labels.reshape(-1, 4).astype("float32")


def grid_distance(shape=(5, 5, 4)) -> np.ndarray:
    """Euclidean distances (N, N) of the units on the notebook's meshgrid ordering of the grid."""
    import scipy.spatial.distance as ssd

    axes = np.meshgrid(*(np.arange(s) for s in shape))
    points = np.stack([a.ravel() for a in axes], axis=1)
    return ssd.squareform(ssd.pdist(points)).astype("float32")


def train(data, strength: float, epochs: int) -> tuple[list[float], np.ndarray]:
    """The notebook's Keras model and ``fit``; returns validation accuracy per epoch and |W| at the end."""
    import keras
    import tensorflow as tf

    # The notebook's seed. Under Keras 3 it no longer fixes the layers' initial weights, so the
    # accuracies vary from run to run (at strength 0.3 some runs stay at ~0.63); the cost does not.
    tf.random.set_seed(94892)
    distance = tf.constant(grid_distance())

    class Communicability(keras.regularizers.Regularizer):
        """strength * sum(|W| o C o D), C = expm(S^-1/2 |W| S^-1/2) with a zero diagonal."""

        def __call__(self, w):
            a = tf.abs(w)
            s = tf.linalg.diag(tf.pow(tf.reduce_sum(a, axis=1), -0.5))
            c = tf.linalg.set_diag(tf.linalg.expm(s @ a @ s), tf.zeros(a.shape[0]))
            return strength * tf.reduce_sum(a * c * distance)

        def get_config(self):
            return {}

    snapshots = []

    class Snapshots(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            snapshots.append(self.model.layers[1].get_weights()[1])

        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.layers[1].get_weights()[1])

    (x_train, y_train), (x_test, y_test) = data
    train_set = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(128)
    test_set = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(128)
    model = keras.Sequential(
        [
            keras.layers.GaussianNoise(0.05),
            keras.layers.SimpleRNN(
                100,
                activation="relu",
                recurrent_initializer="orthogonal",
                recurrent_regularizer=Communicability(),
            ),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    model.build(input_shape=(None, x_train.shape[1], 8))
    model.compile(optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy", metrics=["accuracy"])
    callbacks = [Snapshots()]
    history = model.fit(train_set, epochs=epochs, validation_data=test_set, callbacks=callbacks, verbose=0)
    return [round(float(v), 4) for v in history.history["val_accuracy"]], np.abs(snapshots[-1])


def small_worldness(adjacency: np.ndarray, nperm: int) -> tuple[float, float]:
    """The notebook's loop: (C/C_null) / (E/E_null) as written there, and (C/C_null) * (E/E_null)."""
    import bct

    n = adjacency.shape[0]
    clustering, efficiency = np.mean(bct.clustering_coef_bu(adjacency)), bct.efficiency_bin(adjacency)
    c_null, e_null = np.zeros(nperm), np.zeros(nperm)
    for k in range(nperm):
        noise = np.random.rand(n, n)
        null = np.where((noise + noise.T) / 2 > 0.7, 1, 0)
        c_null[k], e_null[k] = np.mean(bct.clustering_coef_bu(null)), bct.efficiency_bin(null)
    ratio_c, ratio_e = clustering / c_null.mean(), efficiency / e_null.mean()
    return float(ratio_c / ratio_e), float(ratio_c * ratio_e)


def main(argv=None) -> None:
    args = parse_args(argv)
    stages = set(args.stages.split(","))
    seconds, out = {}, {}
    t0 = time.perf_counter()
    import pandas  # noqa: F401
    import scipy.spatial.distance  # noqa: F401

    if "train" in stages:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    seconds["import"] = time.perf_counter() - t0
    np.random.seed(18229)
    t0 = time.perf_counter()
    mazes = NotebookMazes(20, 10, 20)
    splits = [mazes.session(n) for n in args.problems]
    seconds["dataset"] = time.perf_counter() - t0
    weights = None
    if "train" in stages:
        t0 = time.perf_counter()
        out["val_accuracy"], weights = train(splits[:2], args.strength, args.epochs)
        seconds["train"] = time.perf_counter() - t0
    if "metrics" in stages:
        import bct

        if weights is None:
            weights = np.abs(np.random.default_rng(0).normal(size=(100, 100)))
        adjacency = (weights > np.quantile(weights, 0.9)).astype(float)
        t0 = time.perf_counter()
        try:
            out["modularity"] = float(bct.modularity_und(adjacency, gamma=1)[1])
        except Exception as error:  # bctpy 0.6.1 under numpy 2
            out["modularity_error"] = repr(error)[:160]
        seconds["modularity"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        notebook, corrected = small_worldness(adjacency, args.nperm)
        seconds["smallworld"] = time.perf_counter() - t0
        out["small_worldness_notebook_formula"] = notebook
        out["small_worldness_corrected_formula"] = corrected
    out["seconds"] = {k: round(v, 3) for k, v in seconds.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
