"""Training the notebook's network: Input(8) -> GaussianNoise(sd) -> SimpleRNN(N, relu, orthogonal
recurrent init) -> Dense(4, softmax), Adam (Keras defaults), categorical cross-entropy, plus a
regulariser on the recurrent kernel (``sernn.regularisers``).

Written as a compiled TensorFlow training step over plain variables rather than ``keras.Model.fit``:
same maths and initialisers as the notebook's Keras model, but every random draw is seeded
explicitly (initial weights from ``numpy.random.default_rng(seed)``, input noise from
``tf.random.stateless_normal`` keyed by (seed, step)), so a network depends only on its seed and
config, never on what else ran in the process.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import regularisers

_TF_CONFIGURED = False


def import_tensorflow():
    """Import TensorFlow without the Keras it loads eagerly; returns the module.

    ``tensorflow/__init__.py`` imports ``keras.src.optimizers`` (to register Keras' optimisers for
    SavedModel), which loads all of Keras and with it pandas and matplotlib: about a second of
    every training job's start-up, for nothing, since training here uses no Keras. TensorFlow
    skips that import when it fails, so it is made to fail, for the duration of this import only,
    by a ``None`` entry in ``sys.modules``; Keras stays importable afterwards (the tests compare
    with a Keras model). No effect when TensorFlow is already imported.
    """
    if "tensorflow" not in sys.modules and "keras.src.optimizers" not in sys.modules:
        sys.modules["keras.src.optimizers"] = None
        try:
            import tensorflow
        finally:
            if sys.modules.get("keras.src.optimizers", 0) is None:
                del sys.modules["keras.src.optimizers"]
    import tensorflow

    return tensorflow


def configure_tensorflow(threads: int | None = None) -> None:
    """Deterministic ops and ``threads`` threads; call before any TensorFlow work (once).

    The threads run independent operations side by side (TensorFlow's inter-op pool), each
    operation on one thread: a 100-unit RNN's matmuls are too small to split across cores, so the
    parallelism comes from the trainer's ``lanes`` (groups of trials, each an independent chain of
    operations) and from the regulariser, which does not depend on the recurrence."""
    global _TF_CONFIGURED
    tf = import_tensorflow()

    if _TF_CONFIGURED:
        return
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    # Grappler's graph rewrites took ~0.2 s at each function's first call and gained nothing per
    # step for these graphs (measured on 2 CPU cores), so they are off.
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    tf.config.experimental.enable_op_determinism()
    _TF_CONFIGURED = True


@dataclass(frozen=True)
class TrainingSpec:
    """What a training run needs besides data and strengths (given per network to
    ``Trainer.train_stack``). ``regulariser``: a built-in kind or a user function's
    ``"file.py:function"`` / ``"module:function"`` (``sernn.regularisers``)."""

    regulariser: str
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    noise_std: float = 0.05
    n_units: int = 100
    comms_factor: float = 1.0
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7


@dataclass
class TrainingResult:
    """Everything kept of one trained network (numpy arrays).

    recurrent: (epochs+1, N, N) float32 recurrent kernel before training and after each epoch.
    input_kernel (8, N), recurrent_bias (N,), output_kernel (N, 4), output_bias (4,): final epoch.
    snapshots: the other parameters per snapshot, {"input_kernel": (epochs+1, 8, N), ...}, so that
    the network at any epoch can be run again (``weights_at``).
    history: per-epoch (epochs,) arrays ``loss`` (task + regulariser, mean over batches),
    ``accuracy`` (training, mean over batches), ``val_loss``/``val_accuracy`` (test split, as the
    notebook's ``validation_data``), ``regularisation`` (penalty after the epoch).
    evaluation: per-snapshot (epochs+1,) arrays ``test_loss``, ``test_accuracy``,
    ``validation_loss``, ``validation_accuracy`` of the weights in ``recurrent[e]``.
    epoch_seconds: wall time per epoch (not reproducible; kept as metadata).
    """

    recurrent: np.ndarray
    input_kernel: np.ndarray
    recurrent_bias: np.ndarray
    output_kernel: np.ndarray
    output_bias: np.ndarray
    history: dict[str, np.ndarray]
    evaluation: dict[str, np.ndarray]
    snapshots: dict[str, np.ndarray] = field(default_factory=dict)
    epoch_seconds: list[float] = field(default_factory=list)
    diverged: bool = False


def glorot_uniform(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Keras' GlorotUniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)). Returns float32."""
    limit = math.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """Keras' Orthogonal (gain 1) for an (n, n) kernel: Q of the QR of a Gaussian matrix, signs
    fixed by diag(R). Returns float32."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.sign(np.diag(r))).astype(np.float32)


def initial_weights(seed: int, n_inputs: int, n_units: int, n_outputs: int) -> dict[str, np.ndarray]:
    """The notebook's initialisers, drawn from ``numpy.random.default_rng(seed)`` in a fixed order."""
    rng = np.random.default_rng(seed)
    return {
        "input_kernel": glorot_uniform((n_inputs, n_units), rng),
        "recurrent_kernel": orthogonal(n_units, rng),
        "recurrent_bias": np.zeros(n_units, np.float32),
        "output_kernel": glorot_uniform((n_units, n_outputs), rng),
        "output_bias": np.zeros(n_outputs, np.float32),
    }


PARAM_ORDER = ("input_kernel", "recurrent_kernel", "recurrent_bias", "output_kernel", "output_bias")


def _relu_rnn(drive, w_rec, all_states: bool = False):
    """h_t = relu(drive_t + h_{t-1} W), h_0 = 0. drive: (..., T, B, N); w_rec: (..., N, N)
    (leading dimensions: a stack of networks trained side by side). Returns the last state
    (..., B, N), or with ``all_states`` every state (..., T, B, N) (tasks supervised at many steps:
    the gradient arriving at each step's state joins the one flowing back through the recurrence).

    It carries a hand-written gradient, back-propagation through time written out: per step back
    one ReluGrad and one (B, N) x (N, N) matmul, and the gradient of W as a single matmul over all
    steps and trials of a network at the end, instead of the one-per-step accumulation that
    automatic differentiation of the loop produces. Its values equal autodiff's (tested). The
    loop is unrolled in the graph: with the time axis third from last, every network's steps x
    trials are contiguous rows, so no step needs a transpose or a strided copy. (Recorded activity
    is computed in numpy: ``hidden_activity``.)
    """
    import tensorflow as tf

    n_steps, n = drive.shape[-3], drive.shape[-1]

    @tf.custom_gradient
    def run(drive, w_rec):
        steps = tf.unstack(drive, axis=-3)
        states = [tf.nn.relu(steps[0])]
        for t in range(1, n_steps):
            states.append(tf.nn.relu(steps[t] + tf.matmul(states[-1], w_rec)))

        def grad(d_out):
            d_steps = tf.unstack(d_out, axis=-3) if all_states else None
            dh = d_steps[-1] if all_states else d_out
            d_z = [None] * n_steps
            for t in range(n_steps - 1, -1, -1):
                d_z[t] = tf.raw_ops.ReluGrad(gradients=dh, features=states[t])
                if t:
                    dh = tf.matmul(d_z[t], w_rec, transpose_b=True)
                    if all_states:
                        dh = dh + d_steps[t - 1]
            d_drive = tf.stack(d_z, axis=-3)
            # dW = sum over steps and trials of h_{t-1}^T dz_t, with h_{-1} = 0 (adds exact zeros)
            previous = tf.stack([tf.zeros_like(states[0])] + states[:-1], axis=-3)
            rows = tf.concat([tf.shape(drive)[:-3], [-1, n]], axis=0)
            d_w = tf.matmul(tf.reshape(previous, rows), tf.reshape(d_drive, rows), transpose_a=True)
            return d_drive, d_w

        return (tf.stack(states, axis=-3) if all_states else states[-1]), grad

    return run(drive, w_rec)


def rnn_logits(params, x, noise=None, lanes: int = 1, all_steps: bool = False):
    """Forward pass. x: (B, T, 8) tensor; noise: optional (B, T, 8) added to x. Returns logits (B, 4)
    of the last step, or with ``all_steps`` of every step (B, T, 4) (8 and 4 stand for the task's
    numbers of inputs and outputs).

    A stack of S networks (parameters with a leading dimension S) runs side by side: x is then
    shared (B, T, 8) or per network (S, B, T, 8), noise (S, B, T, 8), logits (S, B, 4).

    ``lanes`` > 1 splits the trials into that many groups of (nearly) equal size, each run as its
    own chain of operations, so that TensorFlow's inter-op threads run them on separate cores at
    the same time (the gradient of the weights is then the sum of the lanes' gradients: the same
    value up to float rounding)."""
    import tensorflow as tf

    w_in, w_rec, b, w_out, b_out = params
    if noise is not None:
        x = x + noise
    if lanes > 1:
        n = tf.shape(x)[-3]
        sizes = n // lanes + tf.cast(tf.range(lanes) < n % lanes, tf.int32)
        parts = tf.split(x, sizes, num=lanes, axis=-3)
        return tf.concat(
            [rnn_logits(params, part, all_steps=all_steps) for part in parts], axis=-3 if all_steps else -2
        )
    n_batch, n_steps, n_in = x.shape[-3], x.shape[-2], x.shape[-1]
    n_batch = tf.shape(x)[-3] if n_batch is None else n_batch
    # time axis third from last: (..., T, B, 8), then every step's input drive in one matmul
    xt = tf.transpose(x, [1, 0, 2] if len(x.shape) == 3 else [0, 2, 1, 3])
    drive = tf.matmul(tf.reshape(xt, tf.concat([tf.shape(xt)[:-3], [-1, n_in]], 0)), w_in)
    drive = drive + b[..., None, :]
    drive = tf.reshape(drive, tf.concat([tf.shape(drive)[:-2], [n_steps, n_batch, w_in.shape[-1]]], 0))
    if not all_steps:
        return tf.matmul(_relu_rnn(drive, w_rec), w_out) + b_out[..., None, :]
    states = _relu_rnn(drive, w_rec, all_states=True)  # (..., T, B, N)
    rows = tf.reshape(states, tf.concat([tf.shape(states)[:-3], [-1, w_in.shape[-1]]], 0))
    logits = tf.matmul(rows, w_out) + b_out[..., None, :]
    logits = tf.reshape(logits, tf.concat([tf.shape(states)[:-1], [w_out.shape[-1]]], 0))
    return tf.transpose(logits, [1, 0, 2] if len(logits.shape) == 3 else [0, 2, 1, 3])


def task_loss(logits, targets, mask=None, loss: str = "cross_entropy"):
    """Task loss per network. Last step (mask None): logits (..., B, O), targets (B, O); the mean over
    trials of the cross-entropy. Per step: logits (..., B, T, O), targets (B, T, O), mask (B, T):
    sum over trials and steps of mask x loss_bt over the sum of the mask, loss_bt the cross-entropy of
    softmax(logits) or (``loss`` "mse") the mean over outputs of the squared error. Returns (...,)."""
    import tensorflow as tf

    if mask is None:
        per = tf.nn.softmax_cross_entropy_with_logits(
            labels=tf.broadcast_to(targets, tf.shape(logits)), logits=logits
        )
        return tf.reduce_mean(per, axis=-1)
    if loss == "cross_entropy":
        per = tf.nn.softmax_cross_entropy_with_logits(
            labels=tf.broadcast_to(targets, tf.shape(logits)), logits=logits
        )
    elif loss == "mse":
        per = tf.reduce_mean(tf.square(logits - targets), axis=-1)
    else:
        raise ValueError(f"unknown loss {loss!r}; expected cross_entropy or mse")
    return tf.reduce_sum(per * mask, axis=[-2, -1]) / tf.reduce_sum(mask)


def task_accuracy(logits, targets, decision=None):
    """Fraction of correct answers per network (argmax of the output = argmax of the target): over
    trials (last step, decision None), or over the decision steps (B, T) of all trials. Returns (...,)."""
    import tensorflow as tf

    correct = tf.cast(tf.equal(tf.argmax(logits, axis=-1), tf.argmax(targets, axis=-1)), tf.float32)
    if decision is None:
        return tf.reduce_mean(correct, axis=-1)
    return tf.reduce_sum(correct * decision, axis=[-2, -1]) / tf.reduce_sum(decision)


def unique_trials(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct input sequences of a split and, per trial, the index of its sequence.
    inputs: (n, T, F). Returns unique (u, T, F) and inverse (n,). Without input noise the network's
    output depends on the sequence alone, so evaluating the u distinct sequences (8 for the maze
    task) gives every trial's output exactly, at a fraction of the cost."""
    flat = np.ascontiguousarray(inputs).reshape(inputs.shape[0], -1)
    rows = flat.view(np.dtype((np.void, flat.dtype.itemsize * flat.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    return flat[first].reshape((-1,) + inputs.shape[1:]), inverse.reshape(-1)


class Trainer:
    """A compiled training step for one architecture, data shape, regulariser kind and number of
    networks; reused across the seeds and strengths of one job so that TensorFlow traces once.

    ``n_networks`` networks (each its own seed and strength) train side by side as one stacked
    model: every operation acts on all of them at once (batched matmuls), which amortises the
    per-operation overhead that dominates a 100-unit RNN on a CPU. The networks share nothing: each
    has its own initial weights, input noise, loss terms, gradients and Adam state, exactly as when
    trained alone (the tests check this to float32 rounding).

    ``lanes``: groups of trials run as independent chains within each step (``rnn_logits``); set it
    to the threads given to ``configure_tensorflow`` so that each thread has a chain to run.

    distance: (N, N) float distances (already raised to distance_power). base_dir: what the path of
    a user regulariser's file is relative to.
    """

    def __init__(
        self,
        spec: TrainingSpec,
        distance: np.ndarray,
        n_steps: int,
        n_inputs: int = 8,
        n_outputs: int = 4,
        n_networks: int = 1,
        lanes: int = 1,
        base_dir: str = ".",
        per_step: bool = False,
        loss: str = "cross_entropy",
    ):
        import tensorflow as tf

        self.spec = spec
        self.per_step, self.loss = bool(per_step), loss
        # a user regulariser ("file.py:function", "module:function") is loaded once, here
        kind = spec.regulariser
        self.regulariser = regularisers.load_user(kind, base_dir) if regularisers.is_user(kind) else kind
        self.lanes = int(lanes)
        self.n_steps, self.n_inputs, self.n_outputs = n_steps, n_inputs, n_outputs
        self.n_networks = int(n_networks)
        self.distance = tf.constant(distance, tf.float32)
        shapes = initial_weights(0, n_inputs, spec.n_units, n_outputs)
        # one network: plain (unstacked) parameters, so that TensorFlow uses MatMul, not BatchMatMul
        stack = (self.n_networks,) if self.n_networks > 1 else ()
        self.params = [
            tf.Variable(np.zeros(stack + shapes[k].shape, np.float32), name=k) for k in PARAM_ORDER
        ]
        self.m = [tf.Variable(tf.zeros_like(p)) for p in self.params]
        self.v = [tf.Variable(tf.zeros_like(p)) for p in self.params]
        self.iterations = tf.Variable(0, dtype=tf.int64)
        # one strength per network (a scalar for one network), so a stack may mix strengths
        self.strength = tf.Variable(np.zeros(stack, np.float32))
        self.noise_seeds = tf.Variable(np.zeros(self.n_networks, np.int64))
        x_sig = tf.TensorSpec((None, n_steps, n_inputs), tf.float32)
        if self.per_step:  # targets (B, T, O), loss mask (B, T), decision steps (B, T)
            steps_sig = tf.TensorSpec((None, n_steps), tf.float32)
            y_sig = (tf.TensorSpec((None, n_steps, n_outputs), tf.float32), steps_sig, steps_sig)
        else:  # one-hot answers at the last step (B, O)
            y_sig = (tf.TensorSpec((None, n_outputs), tf.float32),)
        i_sig = tf.TensorSpec((None,), tf.int64)
        # (XLA, jit_compile=True, was measured slower on CPU here and compiles for seconds)
        self._step = tf.function(self._train_step, input_signature=[x_sig, y_sig], autograph=False)
        self._eval = tf.function(self._evaluate, input_signature=[x_sig, i_sig, y_sig], autograph=False)
        self._penalty = tf.function(self._penalty_value, input_signature=[], autograph=False)

    def _penalty_value(self):
        """The regularisation term of each network, (S,)."""
        return regularisers.penalty(
            self.params[1], self.regulariser, self.strength, self.distance, self.spec.comms_factor
        )

    def _task_terms(self, logits, y):
        """Per network (S,): task loss and accuracy of ``logits`` against the targets ``y``: (labels,)
        or, per step, (targets, mask, decision)."""
        if not self.per_step:
            return task_loss(logits, y[0]), task_accuracy(logits, y[0])
        targets, mask, decision = y
        return task_loss(logits, targets, mask, self.loss), task_accuracy(logits, targets, decision)

    def _train_step(self, x, y):
        """One Adam step of every network on the batch (x, y), y the targets (``_task_terms``).
        Returns per network (S,) the loss (task + penalty) and the batch accuracy."""
        import tensorflow as tf

        spec = self.spec
        step = self.iterations + 1
        noise = [
            spec.noise_std
            * tf.random.stateless_normal(
                tf.shape(x), seed=tf.stack([self.noise_seeds[i], step]), dtype=x.dtype
            )
            for i in range(self.n_networks)
        ]
        noise = tf.stack(noise) if self.n_networks > 1 else noise[0]
        with tf.GradientTape() as tape:
            logits = rnn_logits(self.params, x, noise, self.lanes, all_steps=self.per_step)
            task, accuracy = self._task_terms(logits, y)
            losses = task + self._penalty_value()
            total = tf.reduce_sum(losses)  # networks share no parameters: each gets its own gradient
        grads = tape.gradient(total, self.params)
        # Adam as keras.optimizers.Adam (Keras 3) with its defaults, one fused kernel per variable:
        # m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
        # p -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)
        t = tf.cast(step, tf.float32)
        b1, b2 = tf.constant(spec.beta_1), tf.constant(spec.beta_2)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            tf.raw_ops.ResourceApplyAdam(
                var=p.handle,
                m=m.handle,
                v=v.handle,
                beta1_power=tf.pow(b1, t),
                beta2_power=tf.pow(b2, t),
                lr=tf.constant(spec.learning_rate),
                beta1=b1,
                beta2=b2,
                epsilon=tf.constant(spec.epsilon),
                grad=g,
            )
        self.iterations.assign(step)
        return tf.reshape(losses, [-1]), tf.reshape(accuracy, [-1])

    def _evaluate(self, unique_x, inverse, y):
        """Per network (S,): loss (task + penalty) and accuracy on trials whose inputs are
        ``unique_x[inverse]``."""
        import tensorflow as tf

        logits = rnn_logits(self.params, unique_x, all_steps=self.per_step)
        logits = tf.gather(logits, inverse, axis=-3 if self.per_step else -2)
        task, accuracy = self._task_terms(logits, y)
        return tf.reshape(task + self._penalty_value(), [-1]), tf.reshape(accuracy, [-1])

    def _targets(self, split: dict, labels_key: str) -> tuple:
        """The target tensors of a split: (labels,) or, per step, (targets, mask, decision)."""
        import tensorflow as tf

        keys = ("targets", "mask", "decision") if self.per_step else (labels_key,)
        return tuple(tf.constant(np.asarray(split[k], np.float32)) for k in keys)

    def reset(self, seeds: list[int], strength: float | list[float]) -> None:
        """Fresh weights from ``seeds`` (one per network), fresh optimiser state, new strength(s):
        one for every network, or one per network."""
        if len(seeds) != self.n_networks:
            raise ValueError(f"this trainer trains {self.n_networks} networks, got seeds {seeds}")
        strengths = self.strengths(strength)
        inits = [initial_weights(s, self.n_inputs, self.spec.n_units, self.n_outputs) for s in seeds]
        for p, k, m, v in zip(self.params, PARAM_ORDER, self.m, self.v):
            value = np.stack([init[k] for init in inits]) if self.n_networks > 1 else inits[0][k]
            p.assign(value)
            m.assign(np.zeros_like(value))
            v.assign(np.zeros_like(value))
        self.iterations.assign(0)
        self.strength.assign(np.asarray(strengths if self.n_networks > 1 else strengths[0], np.float32))
        self.noise_seeds.assign(np.asarray(seeds, np.int64))

    def strengths(self, strength: float | list[float]) -> list[float]:
        """Per-network strengths (n_networks,) from one strength or a list of them."""
        values = (
            [float(strength)] * self.n_networks if np.ndim(strength) == 0 else [float(s) for s in strength]
        )
        if len(values) != self.n_networks:
            raise ValueError(f"this trainer trains {self.n_networks} networks, got strengths {values}")
        return values

    def weights(self) -> list[dict[str, np.ndarray]]:
        """The current parameters of each network."""
        values = {k: p.numpy() for k, p in zip(PARAM_ORDER, self.params)}
        if self.n_networks == 1:
            values = {k: v[None] for k, v in values.items()}
        return [{k: v[i].copy() for k, v in values.items()} for i in range(self.n_networks)]

    def train_stack(
        self,
        seeds: list[int],
        strength: float | list[float],
        data: dict[str, dict[str, np.ndarray]],
        labels_key: str = "labels",
        progress: Callable[[str], None] | None = None,
    ) -> list[TrainingResult]:
        """Train ``n_networks`` networks side by side, network i from initial weights and input noise
        of ``seeds[i]`` at strength ``strength`` (one for all) or ``strength[i]``: a stack may mix
        seeds and strengths, and the same seed may appear at several strengths.

        data: split -> {"inputs": (n, T, 8), labels_key: (n, 4)} with splits ``train``, ``test``
        and ``validation``; for a trainer ``per_step``, split -> {"inputs", "targets" (n, T, O),
        "mask" (n, T), "decision" (n, T)} (``sernn.task.Trials`` fields). Batches in the data's
        order (no shuffling, as the notebook).
        ``progress`` receives one line per network and epoch. Returns one ``TrainingResult`` per
        network, in order."""
        import tensorflow as tf

        spec, n_nets = self.spec, self.n_networks
        self.reset(seeds, strength)
        strengths = self.strengths(strength)
        xtr = tf.constant(data["train"]["inputs"])
        ytr = self._targets(data["train"], labels_key)
        n = int(xtr.shape[0])
        bounds = [(i, min(i + spec.batch_size, n)) for i in range(0, n, spec.batch_size)]
        batches = [(xtr[a:b], tuple(t[a:b] for t in ytr)) for a, b in bounds]
        weights_of_batch = np.asarray([b - a for a, b in bounds], np.float64) / n
        evals = {}
        for s in ("test", "validation"):
            unique, inverse = unique_trials(data[s]["inputs"])
            evals[s] = (
                tf.constant(unique),
                tf.constant(inverse, tf.int64),
                self._targets(data[s], labels_key),
            )
        snapshots = [self.weights()]
        evaluation = {f"{s}_{m}": [] for s in ("test", "validation") for m in ("loss", "accuracy")}
        history = {k: [] for k in ("loss", "accuracy", "val_loss", "val_accuracy", "regularisation")}

        def evaluate():
            for s, (x, inverse, y) in evals.items():
                loss, acc = self._eval(x, inverse, y)
                evaluation[f"{s}_loss"].append(loss.numpy().astype(np.float64))
                evaluation[f"{s}_accuracy"].append(acc.numpy().astype(np.float64))

        evaluate()
        seconds = []
        for epoch in range(1, spec.epochs + 1):
            t0 = time.perf_counter()
            results = [self._step(x, y) for x, y in batches]
            losses = np.stack([r[0].numpy() for r in results]).astype(np.float64)  # (batches, S)
            accs = np.stack([r[1].numpy() for r in results]).astype(np.float64)
            history["loss"].append(weights_of_batch @ losses)
            history["accuracy"].append(weights_of_batch @ accs)
            snapshots.append(self.weights())
            evaluate()
            history["val_loss"].append(evaluation["test_loss"][-1])
            history["val_accuracy"].append(evaluation["test_accuracy"][-1])
            history["regularisation"].append(np.reshape(self._penalty().numpy(), -1).astype(np.float64))
            seconds.append(time.perf_counter() - t0)
            if progress:
                for i, sd in enumerate(seeds):
                    progress(
                        f"seed {sd} strength {strengths[i]:g} epoch {epoch}/{spec.epochs}: "
                        f"loss {history['loss'][-1][i]:.4f} accuracy {history['accuracy'][-1][i]:.4f} "
                        f"val_accuracy {history['val_accuracy'][-1][i]:.4f} "
                        f"validation_accuracy {evaluation['validation_accuracy'][-1][i]:.4f} "
                        f"({seconds[-1]:.2f} s{f' for {n_nets} networks' if n_nets > 1 else ''})"
                    )
        out = []
        for i in range(n_nets):
            stacked = {k: np.stack([snap[i][k] for snap in snapshots]) for k in PARAM_ORDER}
            final = snapshots[-1][i]
            hist = {k: np.asarray([v[i] for v in vals]) for k, vals in history.items()}
            out.append(
                TrainingResult(
                    recurrent=stacked.pop("recurrent_kernel"),
                    snapshots=stacked,
                    input_kernel=final["input_kernel"],
                    recurrent_bias=final["recurrent_bias"],
                    output_kernel=final["output_kernel"],
                    output_bias=final["output_bias"],
                    history=hist,
                    evaluation={k: np.asarray([v[i] for v in vals]) for k, vals in evaluation.items()},
                    epoch_seconds=[sec / n_nets for sec in seconds],
                    diverged=not bool(np.all(np.isfinite(hist["loss"]))),
                )
            )
        return out


def weights_at(recurrent: np.ndarray, snapshots: dict[str, np.ndarray], epoch: int) -> dict[str, np.ndarray]:
    """All parameters of a network at snapshot ``epoch`` (0 = before training), keyed as
    ``PARAM_ORDER``. recurrent: (E+1, N, N); snapshots: as ``TrainingResult.snapshots``."""
    out = {k: v[epoch] for k, v in snapshots.items()}
    out["recurrent_kernel"] = recurrent[epoch]
    return out


def hidden_activity(weights: dict[str, np.ndarray], inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hidden-unit activity of a network with ``weights`` (keys as ``PARAM_ORDER``, recurrent kernel
    under ``recurrent_kernel``) on ``inputs`` (n, T, 8), no input noise (evaluation mode).
    Returns states (n, T, N) float32 and output probabilities (n, 4) float32.

    Plain numpy in float32, the same equations as the training graph (no TensorFlow import needed),
    so recording activity costs milliseconds rather than a framework start-up."""
    w_in, w_rec, b, w_out, b_out = (np.asarray(weights[k], np.float32) for k in PARAM_ORDER)
    x = np.asarray(inputs, np.float32)
    drive = np.einsum("btf,fh->bth", x, w_in) + b
    states = np.empty(drive.shape, np.float32)
    h = np.zeros((x.shape[0], w_rec.shape[0]), np.float32)
    for t in range(x.shape[1]):
        h = np.maximum(drive[:, t] + h @ w_rec, 0.0)
        states[:, t] = h
    logits = h @ w_out + b_out
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return states, (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
