"""A regulariser of one's own (``type: "file.py:function"`` or ``"module:function"``): validated
before any job with errors naming the key, and an L1 written by the user trains the networks the
built-in L1 trains."""

import hashlib
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sernn import config as sc
from sernn import embedding, regularisers, task, training

training.configure_tensorflow(2)

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT = sc.load_yaml(REPO / "config.yaml")
D = embedding.distance_matrix(embedding.grid_coordinates((5, 5, 4)))

USER_FUNCTIONS = """
import tensorflow as tf


def l1(w, distance, strength):
    return strength * tf.reduce_sum(tf.abs(w))


def wiring(w, distance, strength):
    return strength * tf.reduce_sum(tf.abs(w) * distance**2)


def two_args(w, distance):
    return tf.reduce_sum(w)


def not_finite(w, distance, strength):
    return tf.reduce_sum(tf.abs(w)) / 0.0


def a_vector(w, distance, strength):
    return tf.reduce_sum(tf.abs(w), axis=0)


def no_gradient(w, distance, strength):
    return tf.constant(1.0)


def broken(w, distance, strength):
    raise RuntimeError("oops")


NOT_A_FUNCTION = 3
"""


@pytest.fixture(scope="module")
def user_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "my_penalties.py"
    path.write_text(textwrap.dedent(USER_FUNCTIONS))
    return path


def resolve(regulariser_type, base_dir=REPO):
    overrides = {"regularisers": {"mine": {"type": regulariser_type, "strengths": [0.1]}}}
    cfg = sc.compose(DEFAULT, overrides, REPO / "config")
    sc.validate(cfg, SCHEMA)
    sc.check(cfg, base_dir)
    return cfg


def test_a_user_l1_trains_the_networks_the_built_in_l1_trains(user_file):
    data = task.generate({"train": 256, "test": 128, "validation": 128}, 20, 10, 20, seed=7)

    def run(kind):
        spec = training.TrainingSpec(regulariser=kind, epochs=2, batch_size=64)
        trainer = training.Trainer(spec, D, 50, n_networks=2)
        return trainer.train_stack([3, 4], [0.01, 0.1], data)

    built_in, user = run("L1"), run(f"{user_file}:l1")
    for a, b in zip(built_in, user):
        np.testing.assert_allclose(b.recurrent, a.recurrent, rtol=0, atol=1e-6)
        np.testing.assert_allclose(b.output_kernel, a.output_kernel, rtol=0, atol=1e-6)
        np.testing.assert_allclose(b.history["regularisation"], a.history["regularisation"], rtol=1e-6)
        np.testing.assert_allclose(b.history["loss"], a.history["loss"], rtol=1e-6)
    assert not np.allclose(user[0].recurrent[-1], user[1].recurrent[-1], atol=1e-3)


def test_user_penalty_of_a_stack_is_the_function_per_network(user_file):
    import tensorflow as tf

    fn = regularisers.load_user(f"{user_file}:wiring")
    w = np.random.default_rng(0).normal(size=(3, 100, 100)).astype(np.float32)
    gammas = np.array([0.0, 0.5, 2.0], np.float32)
    got = regularisers.penalty(tf.constant(w), fn, tf.constant(gammas), D).numpy()
    expected = [g * np.sum(np.abs(wi.astype(float)) * D**2) for wi, g in zip(w, gammas)]
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_module_function_form_and_a_relative_path(user_file, monkeypatch):
    monkeypatch.syspath_prepend(str(user_file.parent))
    assert resolve("my_penalties:l1")["regularisers"]["mine"]["type"] == "my_penalties:l1"
    assert resolve("my_penalties.py:wiring", base_dir=user_file.parent)


@pytest.mark.parametrize(
    "name, words",
    [
        ("missing.py:l1", ["no file", "missing.py"]),
        ("{file}:nope", ["has no function 'nope'"]),
        ("{file}:NOT_A_FUNCTION", ["has no function 'NOT_A_FUNCTION'"]),
        ("{file}:two_args", ["(w, distance, strength)"]),
        ("{file}:not_finite", ["finite"]),
        ("{file}:a_vector", ["scalar", "[100]"]),
        ("{file}:no_gradient", ["gradient"]),
        ("{file}:broken", ["RuntimeError", "oops"]),
        ("no_such_module_here:f", ["cannot import module 'no_such_module_here'"]),
    ],
)
def test_bad_user_regularisers_are_refused_naming_the_key(user_file, name, words):
    kind = name.format(file=user_file)
    with pytest.raises(sc.ConfigError) as info:
        resolve(kind)
    message = str(info.value)
    assert f"config key regularisers.mine.type = {kind!r}" in message, message
    for w in words:
        assert w in message, (w, message)


def test_a_name_that_is_neither_built_in_nor_a_function_is_refused_by_the_schema():
    with pytest.raises(sc.ConfigError, match="regularisers.mine.type"):
        resolve("L3")


@pytest.mark.slow
def test_a_user_regulariser_through_the_workflow(user_file, tmp_path):
    """Through Snakemake: a population with the user's L1 trains the networks of the built-in L1
    population at the same strengths; the user's file is an input of its train job (a change to it
    retrains)."""
    import h5py
    import yaml
    from conftest import TINY, result_file, snakemake

    cfg = yaml.safe_load(TINY.read_text())
    cfg["regularisers"] = {
        "L1": {"strengths": [0.01]},
        "mine": {"type": f"{user_file}:l1", "strengths": [0.01]},
    }
    cfg["function"] = {"enabled": False}
    cfg["generative"] = {"enabled": False}
    cfg["analysis"]["claims"] = {"groups": ["mine", "L1"]}
    path = tmp_path / "user.yaml"
    path.write_text(yaml.safe_dump(cfg))
    dry = snakemake(tmp_path, "-n", configfile=path).stdout
    assert str(user_file) in dry
    snakemake(tmp_path, configfile=path)
    with h5py.File(result_file(tmp_path, "networks", "L1", "0.01")) as a:
        with h5py.File(result_file(tmp_path, "networks", "mine", "0.01")) as b:
            assert b.attrs["regulariser_type"] == f"{user_file}:l1"
            assert b.attrs["regulariser_source_sha256"] == hashlib.sha256(user_file.read_bytes()).hexdigest()
            assert "regulariser_source_sha256" not in a.attrs
            np.testing.assert_allclose(b["seed0/recurrent"][()], a["seed0/recurrent"][()], rtol=0, atol=1e-6)
            np.testing.assert_allclose(
                b["seed0/history/regularisation"][()], a["seed0/history/regularisation"][()], rtol=1e-6
            )
    summary = pd.read_csv(tmp_path / "results" / "summary" / "metrics.csv")
    assert set(summary["regulariser"]) == {"L1", "mine"}
