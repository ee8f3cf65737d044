"""Config composition, validation and the checks beyond the schema: clear messages naming key and value."""

from pathlib import Path

import pytest

from sernn import config as sc

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT = sc.load_yaml(REPO / "config.yaml")


def resolve(overrides, base_dir=REPO):
    cfg = sc.compose(DEFAULT, overrides, REPO / "config")
    sc.validate(cfg, SCHEMA)
    sc.check(cfg, base_dir)
    return cfg


def test_default_config_is_valid_and_small():
    cfg = resolve({})
    pops = sc.populations(cfg)
    assert set(pops) == {"seRNN", "L1"}
    assert all(len(p["strengths"]) == 4 for p in pops.values())
    assert cfg["seeds"] == [0] and cfg["training"]["epochs"] == 10


def test_schema_fills_defaults_for_a_partial_config():
    cfg = {"regularisers": {"seRNN": {"strengths": [0.1]}}}
    sc.validate(cfg, SCHEMA)
    assert cfg["dataset"]["train"] == 5120 and cfg["metrics"]["n_nulls"] == 1000
    assert cfg["binarise"] == {"method": "proportional", "fraction": 0.1, "symmetrise": "max",
                               "drop_diagonal": True}
    assert cfg["regularisers"]["seRNN"]["task"] == "maze"


@pytest.mark.parametrize("overrides, words", [
    ({"regularisers": {"L2": {"strengths": [0.1]}}}, ["regularisers.L2", "'L2'"]),
    ({"regularisers": {"x": {"type": "L3", "strengths": [0.1]}}}, ["regularisers.x.type", "'L3'"]),
    ({"regularisers": {"seRNN": {"strengths": [0.1, -0.2]}}}, ["regularisers.seRNN.strengths[1]", "-0.2"]),
    ({"model": {"grid": [5, 5, 5]}}, ["model.grid", "[5, 5, 5]", "125", "100"]),
    ({"model": {"coordinates": "missing.csv"}}, ["model.coordinates", "missing.csv", "does not exist"]),
    ({"dataset": {"trian": 100}}, ["dataset", "trian"]),
    ({"training": {"epochs": 0}}, ["training.epochs", "0"]),
    ({"binarise": {"symmetrise": "both"}}, ["binarise.symmetrise", "both"]),
    ({"analysis": {"epoch": 11}}, ["analysis.epoch", "11"]),
    ({"preset": "nosuch"}, ["preset", "nosuch"]),
    ({"regularisers": {"seRNN": {"strengths": [0.1, 0.1]}}}, ["regularisers.seRNN.strengths", "repeat"]),
])
def test_bad_values_are_named(overrides, words):
    with pytest.raises(sc.ConfigError) as info:
        resolve(overrides)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_linspace_strengths_and_labels():
    cfg = resolve({"regularisers": {"seRNN": {"strengths": {"linspace": [0.001, 0.3, 1001]}}}})
    pop = sc.populations(cfg)["seRNN"]
    assert len(pop["strengths"]) == 1001 and len(set(pop["labels"])) == 1001
    assert pop["labels"][1] == "0.001299" and pop["strengths"][0] == 0.001 and pop["strengths"][-1] == 0.3


def test_user_regularisers_replace_the_default_ones():
    cfg = resolve({"regularisers": {"spatial": {"strengths": [0.01]}}})
    assert list(cfg["regularisers"]) == ["spatial"]


def test_preset_then_user_overrides(tmp_path):
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "p.yaml").write_text("seeds: [1, 2]\ntraining: {epochs: 3}\nmetrics: {n_nulls: 7}\n")
    cfg = sc.compose(DEFAULT, {"preset": "p", "metrics": {"n_nulls": 9}}, presets)
    assert cfg["seeds"] == [1, 2] and cfg["training"]["epochs"] == 3 and cfg["metrics"]["n_nulls"] == 9
    assert cfg["dataset"]["train"] == 5120


def test_custom_coordinates_file(tmp_path):
    import numpy as np

    f = tmp_path / "coords.csv"
    np.savetxt(f, np.random.default_rng(0).normal(size=(100, 3)), delimiter=",", header="x,y,z")
    resolve({"model": {"coordinates": str(f)}})
    np.savetxt(f, np.zeros((99, 3)), delimiter=",")
    with pytest.raises(sc.ConfigError, match=r"\(99, 3\)"):
        resolve({"model": {"coordinates": str(f)}})


def test_paper_preset_populations():
    cfg = resolve({"preset": "paper"})
    pops = sc.populations(cfg)
    assert {k: len(v["strengths"]) for k, v in pops.items()} == {
        "seRNN": 1001, "L1": 1001, "spatial": 101, "communicability": 101, "seRNN_random_task": 101}
    assert pops["seRNN_random_task"]["type"] == "seRNN" and pops["seRNN_random_task"]["task"] == "random"
    assert pops["spatial"]["strengths"][0] == 1e-05 and pops["spatial"]["strengths"][-1] == 0.02
    assert cfg["training"]["epochs"] == 10 and cfg["metrics"]["n_nulls"] == 1000


def test_preset_with_user_overrides_and_a_bad_override():
    cfg = resolve({"preset": "paper", "metrics": {"n_nulls": 10}, "seeds": [0, 1]})
    assert cfg["metrics"]["n_nulls"] == 10 and cfg["seeds"] == [0, 1]
    assert len(sc.populations(cfg)["seRNN"]["strengths"]) == 1001
    with pytest.raises(sc.ConfigError, match=r"metrics.n_nulls = 0"):
        resolve({"preset": "paper", "metrics": {"n_nulls": 0}})
