"""Training: reproducible bit for bit, and the same maths as the notebook's Keras model."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sernn import embedding, task, training

training.configure_tensorflow(2)

REPO = Path(__file__).resolve().parents[1]
D = embedding.distance_matrix(embedding.grid_coordinates((5, 5, 4)))


@pytest.fixture(scope="module")
def data():
    return task.generate({"train": 256, "test": 128, "validation": 128}, 20, 10, 20, seed=7)


def spec(**kw):
    base = dict(regulariser="seRNN", epochs=2, batch_size=64)
    base.update(kw)
    return training.TrainingSpec(**base)


def train_one(trainer, seed, strength, data):
    """The one network of ``seed`` at ``strength`` (a one-network stack)."""
    return trainer.train_stack([seed], strength, data)[0]


def test_same_seed_gives_identical_weights(data):
    t1 = training.Trainer(spec(), D, 50)
    a = train_one(t1, 3, 0.1, data)
    b = train_one(t1, 3, 0.1, data)  # same trainer, reused
    c = train_one(training.Trainer(spec(), D, 50), 3, 0.1, data)  # a fresh one
    for r in (b, c):
        np.testing.assert_array_equal(a.recurrent, r.recurrent)
        np.testing.assert_array_equal(a.output_kernel, r.output_kernel)
        for k in a.history:
            np.testing.assert_array_equal(a.history[k], r.history[k])
    d = train_one(t1, 4, 0.1, data)
    assert not np.array_equal(a.recurrent[-1], d.recurrent[-1])


def test_shapes_and_snapshots(data):
    r = train_one(training.Trainer(spec(epochs=3), D, 50), 0, 0.1, data)
    assert r.recurrent.shape == (4, 100, 100) and r.recurrent.dtype == np.float32
    np.testing.assert_array_equal(r.recurrent[0], training.initial_weights(0, 8, 100, 4)["recurrent_kernel"])
    assert not np.array_equal(r.recurrent[0], r.recurrent[1])
    assert r.input_kernel.shape == (8, 100) and r.output_kernel.shape == (100, 4)
    assert all(v.shape == (3,) for v in r.history.values())
    assert all(v.shape == (4,) for v in r.evaluation.values())
    assert np.all((r.evaluation["validation_accuracy"] >= 0) & (r.evaluation["validation_accuracy"] <= 1))


def test_orthogonal_init():
    q = training.orthogonal(100, np.random.default_rng(0))
    np.testing.assert_allclose(q @ q.T, np.eye(100), atol=1e-5)


def test_matches_keras_model(data):
    """One epoch without input noise: our compiled loop and keras.Model.fit with the notebook's
    layers, the same initial weights and the same regulariser end at the same weights."""
    import keras
    import tensorflow as tf

    from sernn import regularisers

    dist = tf.constant(D, tf.float32)

    class Reg(keras.regularizers.Regularizer):
        def __call__(self, x):
            return regularisers.penalty(x, "seRNN", 0.1, dist)

    init = training.initial_weights(5, 8, 100, 4)
    model = keras.Sequential(
        [
            keras.layers.GaussianNoise(0.0),
            keras.layers.SimpleRNN(100, activation="relu", recurrent_regularizer=Reg()),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    model.build((None, 50, 8))
    model.layers[1].set_weights([init["input_kernel"], init["recurrent_kernel"], init["recurrent_bias"]])
    model.layers[2].set_weights([init["output_kernel"], init["output_bias"]])
    model.compile(optimizer=keras.optimizers.Adam(), loss="categorical_crossentropy")
    ds = tf.data.Dataset.from_tensor_slices((data["train"]["inputs"], data["train"]["labels"])).batch(64)
    model.fit(ds, epochs=1, verbose=0, shuffle=False)
    ours = train_one(training.Trainer(spec(epochs=1, noise_std=0.0), D, 50), 5, 0.1, data)
    np.testing.assert_allclose(ours.recurrent[-1], model.layers[1].get_weights()[1], atol=2e-5)
    np.testing.assert_allclose(ours.output_kernel, model.layers[2].get_weights()[0], atol=2e-5)


def test_hidden_activity_reproduces_predictions(data):
    r = train_one(training.Trainer(spec(), D, 50), 1, 0.1, data)
    weights = {
        "input_kernel": r.input_kernel,
        "recurrent_kernel": r.recurrent[-1],
        "recurrent_bias": r.recurrent_bias,
        "output_kernel": r.output_kernel,
        "output_bias": r.output_bias,
    }
    states, probs = training.hidden_activity(weights, data["validation"]["inputs"])
    assert states.shape == (128, 50, 100) and np.all(states >= 0)
    acc = np.mean(probs.argmax(1) == data["validation"]["labels"].argmax(1))
    assert acc == pytest.approx(r.evaluation["validation_accuracy"][-1], abs=1e-6)
    # the last state through the read-out gives the same probabilities
    logits = states[:, -1] @ r.output_kernel + r.output_bias
    np.testing.assert_allclose(
        probs, np.exp(logits) / np.exp(logits).sum(1, keepdims=True), rtol=1e-4, atol=1e-6
    )


@pytest.mark.parametrize("stack", [(), (3,)])
def test_hand_written_bptt_equals_autodiff(stack):
    """The recurrent layer's hand-written gradient against TensorFlow's autodiff of the plain loop
    (float64, relu units both active and silent), for one network and for a stack of networks."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    drive = tf.constant(rng.normal(size=stack + (9, 6, 7)))  # (..., T, B, N)
    w = tf.constant(rng.normal(scale=0.5, size=stack + (7, 7)))
    upstream = tf.constant(rng.normal(size=stack + (6, 7)))

    def plain(drive, w):
        h = tf.zeros(stack + (6, 7), tf.float64)
        for t in range(9):
            h = tf.nn.relu(drive[..., t, :, :] + h @ w)
        return h

    grads = []
    for f in (plain, training._relu_rnn):
        with tf.GradientTape() as tape:
            tape.watch([drive, w])
            out = f(drive, w)
            loss = tf.reduce_sum(out * upstream)
        grads.append((out.numpy(), *[g.numpy() for g in tape.gradient(loss, [drive, w])]))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert 0 < np.mean(grads[0][0] > 0) < 1


def test_unique_trial_evaluation_is_exact(data):
    x = data["validation"]["inputs"]
    unique, inverse = training.unique_trials(x)
    assert unique.shape[0] <= 8
    np.testing.assert_array_equal(unique[inverse], x)


def test_networks_trained_side_by_side_equal_networks_trained_alone(data):
    together = dict(
        zip([3, 4, 5], training.Trainer(spec(), D, 50, n_networks=3).train_stack([3, 4, 5], 0.1, data))
    )
    alone = training.Trainer(spec(), D, 50)
    for seed in (3, 4, 5):
        a = train_one(alone, seed, 0.1, data)
        b = together[seed]
        np.testing.assert_allclose(b.recurrent, a.recurrent, rtol=0, atol=1e-6)
        np.testing.assert_allclose(b.output_kernel, a.output_kernel, rtol=0, atol=1e-6)
        np.testing.assert_allclose(b.evaluation["validation_accuracy"], a.evaluation["validation_accuracy"])
        np.testing.assert_allclose(b.history["loss"], a.history["loss"], rtol=1e-6)
    assert not np.array_equal(together[3].recurrent[-1], together[4].recurrent[-1])


def test_networks_of_different_strengths_trained_side_by_side_equal_networks_trained_alone(data):
    """A stack may mix strengths (and repeat a seed across them): each network is the one trained
    alone at its own strength, to float32 rounding."""
    seeds, strengths = [3, 3, 4], [0.0, 0.3, 0.1]
    together = training.Trainer(spec(), D, 50, n_networks=3).train_stack(seeds, strengths, data)
    alone = training.Trainer(spec(), D, 50)
    for (seed, strength), b in zip(zip(seeds, strengths), together):
        a = train_one(alone, seed, strength, data)
        np.testing.assert_allclose(b.recurrent, a.recurrent, rtol=0, atol=1e-6)
        np.testing.assert_allclose(b.history["regularisation"], a.history["regularisation"], rtol=1e-5)
        np.testing.assert_allclose(b.history["loss"], a.history["loss"], rtol=1e-6)
    assert np.all(together[0].history["regularisation"] == 0)
    assert not np.allclose(together[0].recurrent[-1], together[1].recurrent[-1], atol=1e-3)
    with pytest.raises(ValueError, match="strengths"):
        training.Trainer(spec(), D, 50, n_networks=3).train_stack(seeds, [0.1, 0.2], data)


@pytest.mark.parametrize("lanes", [2, 3])
def test_trials_split_into_lanes_train_the_same_networks(data, lanes):
    """Lanes (groups of trials run as independent chains, 3 of them uneven for batches of 64)
    change only the float rounding of the weight gradient, and are reproducible bit for bit."""
    alone = training.Trainer(spec(), D, 50).train_stack([3], 0.1, data)[0]
    split = training.Trainer(spec(), D, 50, lanes=lanes)
    a, b = split.train_stack([3], 0.1, data)[0], split.train_stack([3], 0.1, data)[0]
    np.testing.assert_array_equal(a.recurrent, b.recurrent)
    np.testing.assert_array_equal(a.history["loss"], b.history["loss"])
    np.testing.assert_allclose(a.recurrent, alone.recurrent, rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.output_kernel, alone.output_kernel, rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.history["loss"], alone.history["loss"], rtol=1e-6)
    assert not np.array_equal(a.recurrent[1], a.recurrent[0])


def test_tensorflow_is_imported_without_keras_and_keras_still_works():
    """Training jobs import TensorFlow without the Keras (and pandas, matplotlib) that TensorFlow
    loads eagerly; Keras must still be importable afterwards in the same process."""
    code = (
        "import sys; sys.path.insert(0, 'src')\n"
        "from sernn import training\n"
        "training.configure_tensorflow(1)\n"
        "import tensorflow as tf\n"
        "print(sorted(m for m in ('keras', 'pandas', 'matplotlib') if m in sys.modules))\n"
        "print(float(tf.reduce_sum(tf.ones(3))))\n"
        "import keras\n"
        "print(keras.layers.Dense(2)(tf.ones((1, 3))).shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:3] == ["[]", "3.0", "(1, 2)"]


# -- tasks supervised at many steps ------------------------------------------------------------------


def plain_step_logits(params, x):
    """The network unrolled in plain TensorFlow ops (no hand-written gradient): logits (B, T, O)."""
    import tensorflow as tf

    w_in, w_rec, b, w_out, b_out = params
    h = tf.zeros((x.shape[0], w_rec.shape[0]))
    out = []
    for t in range(x.shape[1]):
        h = tf.nn.relu(x[:, t] @ w_in + b + h @ w_rec)
        out.append(h @ w_out + b_out)
    return tf.stack(out, axis=1)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_per_step_backprop_equals_autodiff_of_the_plain_loop(loss):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    b_, t_, i_, n_, o_ = 6, 7, 3, 10, 4
    params = [
        tf.Variable(rng.normal(scale=s, size=shape).astype(np.float32))
        for s, shape in ((0.5, (i_, n_)), (0.4, (n_, n_)), (0.1, (n_,)), (0.5, (n_, o_)), (0.1, (o_,)))
    ]
    x = tf.constant(rng.normal(size=(b_, t_, i_)).astype(np.float32))
    targets = tf.constant(np.eye(o_, dtype=np.float32)[rng.integers(0, o_, (b_, t_))])
    mask = tf.constant((rng.random((b_, t_)) < 0.6).astype(np.float32))
    grads = []
    for forward in (
        lambda: training.rnn_logits(params, x, all_steps=True),
        lambda: plain_step_logits(params, x),
    ):
        with tf.GradientTape() as tape:
            logits = forward()
            value = training.task_loss(logits, targets, mask, loss)
        grads.append((value.numpy(), [g.numpy() for g in tape.gradient(value, params)]))
    (v_ours, g_ours), (v_plain, g_plain) = grads
    assert v_ours == pytest.approx(v_plain, rel=1e-6)
    for a, b in zip(g_ours, g_plain):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    # the loss by hand in numpy: masked mean over (trial, step) of the per-step loss
    z = plain_step_logits(params, x).numpy().astype(float)
    y = targets.numpy()
    if loss == "cross_entropy":
        logp = z - z.max(-1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
        per = -(y * logp).sum(-1)
    else:
        per = ((z - y) ** 2).mean(-1)
    assert v_ours == pytest.approx((per * mask.numpy()).sum() / mask.numpy().sum(), rel=1e-5)


def test_the_maze_through_the_per_step_path_trains_the_networks_of_the_last_step_path():
    """The maze as Trials (targets at every step, loss mask on the last) trained by a per-step trainer
    gives the networks the last-step trainer gives, to float32 rounding: the per-step loss, its
    hand-written gradient and the decision-step accuracy reduce to today's on such a task."""
    maze = task.make_task("maze", {"goal_steps": 20, "delay_steps": 10, "choice_steps": 20})
    sizes = {"train": 256, "test": 128, "validation": 128}
    trials = maze.generate(sizes, seed=7)
    per_step_data = {
        s: {k: getattr(t, k) for k in ("inputs", "targets", "mask", "decision")} for s, t in trials.items()
    }
    today = task.generate(sizes, 20, 10, 20, seed=7)
    a = training.Trainer(spec(), D, 50, n_networks=2).train_stack([3, 4], [0.05, 0.1], today)
    b = training.Trainer(spec(), D, 50, n_networks=2, per_step=True).train_stack(
        [3, 4], [0.05, 0.1], per_step_data
    )
    for x, y in zip(a, b):
        np.testing.assert_allclose(y.recurrent, x.recurrent, rtol=0, atol=1e-6)
        np.testing.assert_allclose(y.output_kernel, x.output_kernel, rtol=0, atol=1e-6)
        np.testing.assert_allclose(y.history["loss"], x.history["loss"], rtol=1e-6)
        np.testing.assert_allclose(y.evaluation["validation_accuracy"], x.evaluation["validation_accuracy"])


def test_a_multi_step_task_is_learnt():
    """Targets at every choice step (the answer held for the whole choice period, not only at the
    end): the per-step trainer lowers the loss and raises the decision-step accuracy."""
    maze = task.make_task("maze", {"goal_steps": 5, "delay_steps": 2, "choice_steps": 5})
    data = {}
    for s, t in maze.generate({"train": 512, "test": 128, "validation": 128}, seed=1).items():
        targets = np.repeat(t.targets[:, -1:], 12, axis=1)
        mask = np.zeros((len(targets), 12), np.float32)
        mask[:, 7:] = 1.0
        data[s] = {"inputs": t.inputs, "targets": targets, "mask": mask, "decision": mask}
    r = training.Trainer(spec(epochs=6, regulariser="L1"), D, 12, per_step=True).train_stack([0], 0.0, data)[
        0
    ]
    assert r.history["loss"][-1] < 0.8 * r.history["loss"][0]
    assert r.evaluation["validation_accuracy"][-1] > r.evaluation["validation_accuracy"][0] + 0.2


def test_per_step_training_in_lanes_trains_the_same_networks():
    maze = task.make_task("maze", {"goal_steps": 5, "delay_steps": 2, "choice_steps": 5})
    data = {
        s: {k: getattr(t, k) for k in ("inputs", "targets", "mask", "decision")}
        for s, t in maze.generate({"train": 192, "test": 64, "validation": 64}, seed=2).items()
    }
    one = training.Trainer(spec(), D, 12, n_networks=2, per_step=True).train_stack([0, 1], 0.1, data)
    lanes = training.Trainer(spec(), D, 12, n_networks=2, per_step=True, lanes=3).train_stack(
        [0, 1], 0.1, data
    )
    for a, b in zip(one, lanes):
        np.testing.assert_allclose(b.recurrent, a.recurrent, rtol=0, atol=1e-6)
        np.testing.assert_allclose(b.history["loss"], a.history["loss"], rtol=1e-6)
    assert not np.array_equal(one[0].recurrent[-1], one[0].recurrent[0])
