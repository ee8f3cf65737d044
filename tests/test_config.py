"""Config composition, validation and the checks beyond the schema: clear messages naming key and value."""

from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import TINY, dry_run_jobs, snakemake

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
    assert all(len(p["strengths"]) == 8 for p in pops.values())
    assert cfg["seeds"] == [0] and cfg["training"]["epochs"] == 10


def test_schema_fills_defaults_for_a_partial_config():
    cfg = {"regularisers": {"seRNN": {"strengths": [0.1]}}}
    sc.validate(cfg, SCHEMA)
    assert cfg["dataset"]["train"] == 5120 and cfg["metrics"]["n_nulls"] == 1000
    assert cfg["binarise"] == {
        "method": "proportional",
        "fraction": 0.1,
        "symmetrise": "max",
        "drop_diagonal": True,
    }
    assert cfg["regularisers"]["seRNN"]["task"] == "maze"


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"regularisers": {"L2": {"strengths": [0.1]}}}, ["regularisers.L2", "'L2'"]),
        ({"regularisers": {"x": {"type": "L3", "strengths": [0.1]}}}, ["regularisers.x.type", "'L3'"]),
        (
            {"regularisers": {"seRNN": {"strengths": [0.1, -0.2]}}},
            ["regularisers.seRNN.strengths[1]", "-0.2"],
        ),
        ({"model": {"grid": [5, 5, 5]}}, ["model.grid", "[5, 5, 5]", "125", "100"]),
        ({"model": {"coordinates": "missing.csv"}}, ["model.coordinates", "missing.csv", "does not exist"]),
        ({"dataset": {"trian": 100}}, ["dataset", "trian"]),
        ({"training": {"epochs": 0}}, ["training.epochs", "0"]),
        ({"binarise": {"symmetrise": "both"}}, ["binarise.symmetrise", "both"]),
        ({"analysis": {"epoch": 11}}, ["analysis.epoch", "11"]),
        ({"preset": "nosuch"}, ["preset", "nosuch"]),
        ({"regularisers": {"seRNN": {"strengths": [0.1, 0.1]}}}, ["regularisers.seRNN.strengths", "repeat"]),
        ({"binarise": {"fraction": 0}}, ["binarise.fraction", "= 0"]),
        ({"binarise": {"fraction": 0.0001}}, ["binarise.fraction = 0.0001", "4950", "empty"]),
        ({"binarise": {"fraction": 4e-05, "symmetrise": "none"}}, ["binarise.fraction = 4e-05", "9900"]),
        ({"metrics": {"n_nulls": 1}}, ["metrics.n_nulls", "= 1"]),
        ({"generative": {"rules": ["matching", "homophily"]}}, ["generative.rules", "'homophily'"]),
        ({"generative": {"eta_bounds": [3, -3]}}, ["generative.eta_bounds", "[3, -3]", "low < high"]),
        ({"generative": {"gamma_bounds": [1, 1]}}, ["generative.gamma_bounds", "[1, 1]"]),
        ({"generative": {"epochs": [11]}}, ["generative.epochs", "11", "training.epochs"]),
        ({"generative": {"levels": 0}}, ["generative.levels", "0"]),
        ({"generative": {"modelvar": "linear"}}, ["generative.modelvar", "linear"]),
        ({"generative": {"epsilon": 0}}, ["generative.epsilon", "0"]),
        ({"generative": {"density": 0}}, ["generative.density", "= 0"]),
        ({"generative": {"density": 1.5}}, ["generative.density", "1.5"]),
        ({"generative": {"density": 0.0001}}, ["generative.density = 0.0001", "4950", "nothing to fit"]),
        ({"generative": {"robust": {"top_k": 0}}}, ["generative.robust.top_k", "0"]),
        ({"generative": {"robust": {"repeats": 0}}}, ["generative.robust.repeats", "0"]),
        ({"generative": {"robust": {"top": 3}}}, ["generative.robust", "top"]),
        (
            {"generative": {"strengths": {"seRNN": {"min": 0.2, "max": 0.1}}}},
            ["generative.strengths.seRNN", "min 0.2 > max 0.1"],
        ),
        (
            {"generative": {"strengths": {"seRNN": {"min": 0.5}}}},
            ["generative.strengths.seRNN", "'min': 0.5", "selects none", "0.02 to 0.3"],
        ),
        ({"generative": {"strengths": {"seRNN": {"every": 0}}}}, ["generative.strengths.seRNN.every", "0"]),
        ({"generative": {"strengths": {"seRNN": {"step": 2}}}}, ["generative.strengths.seRNN", "step"]),
        (
            {"analysis": {"claims": {"groups": ["seRNN", "L2"]}}},
            ["analysis.claims.groups", "'L2'", "seRNN, L1"],
        ),
        ({"analysis": {"claims": {"groups": ["seRNN", "seRNN"]}}}, ["analysis.claims.groups", "differ"]),
        (  # the default groups, but populations of other names
            {
                "regularisers": {
                    "a": {"type": "seRNN", "strengths": [0.1]},
                    "b": {"type": "L1", "strengths": [0.1]},
                }
            },
            ["analysis.claims.groups = ['seRNN', 'L1']", "'seRNN', 'L1' are not populations", "a, b"],
        ),
        (
            {"analysis": {"accuracy_bins": [0.9, 0.99, 0.95]}},
            ["analysis.accuracy_bins = [0.9, 0.99, 0.95]", "increase strictly", "0.99 is followed by 0.95"],
        ),
        ({"analysis": {"accuracy_bins": [0.9, 0.9, 1.01]}}, ["analysis.accuracy_bins = [0.9, 0.9, 1.01]"]),
    ],
)
def test_bad_values_are_named(overrides, words):
    with pytest.raises(sc.ConfigError) as info:
        resolve(overrides)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_generative_strengths_select_a_window_and_every_kth():
    cfg = resolve(
        {
            "regularisers": {
                "seRNN": {"strengths": {"linspace": [0.001, 0.3, 1001]}},
                "L1": {"strengths": [0.001, 0.002, 0.003]},
            },
            "generative": {"strengths": {"seRNN": {"min": 0.0306, "max": 0.1802, "every": 10}}},
        }
    )
    labels = sc.fitted_labels(cfg)
    assert labels["L1"] == ["0.001", "0.002", "0.003"]  # not named: every strength
    every = sc.populations(cfg)["seRNN"]["labels"]
    # the authors' networks 100-600 (MATLAB's 1-based numbering) of linspace(0.001, 0.3, 1001)
    assert every.index("0.030601") == 99 and every.index("0.180101") == 599
    inside = every[99:600]
    assert labels["seRNN"] == inside[::10] and len(labels["seRNN"]) == 51
    assert sc.generative_density(cfg) == 0.1
    # a window of a population the run does not have (a preset's, under the user's own
    # populations) is ignored
    other = resolve({"preset": "paper", "regularisers": {"spatial": {"strengths": [0.01]}}})
    assert "seRNN" in other["generative"]["strengths"] and sc.fitted_labels(other) == {"spatial": []}
    assert sc.generative_density(resolve({"generative": {"density": 0.05}})) == 0.05


def test_linspace_strengths_and_labels():
    cfg = resolve({"regularisers": {"seRNN": {"strengths": {"linspace": [0.001, 0.3, 1001]}}}})
    pop = sc.populations(cfg)["seRNN"]
    assert len(pop["strengths"]) == 1001 and len(set(pop["labels"])) == 1001
    assert pop["labels"][1] == "0.001299" and pop["strengths"][0] == 0.001 and pop["strengths"][-1] == 0.3


def test_geomspace_strengths():
    cfg = resolve({"regularisers": {"L1": {"strengths": {"geomspace": [3e-5, 0.01, 5]}}}})
    assert sc.populations(cfg)["L1"]["strengths"] == [
        float(sc.strength_label(v)) for v in np.geomspace(3e-5, 0.01, 5)
    ]


@pytest.mark.parametrize("start", [0, -1e-3])
def test_geomspace_from_zero_is_refused(start):
    with pytest.raises(sc.ConfigError, match="geomspace"):
        resolve({"regularisers": {"L1": {"strengths": {"geomspace": [start, 0.01, 5]}}}})


def test_user_regularisers_replace_the_default_ones():
    cfg = resolve({"regularisers": {"spatial": {"strengths": [0.01]}}})
    assert list(cfg["regularisers"]) == ["spatial"]


def test_claims_groups_name_populations_of_the_config():
    two = {"a": {"type": "seRNN", "strengths": [0.1]}, "b": {"type": "L1", "strengths": [0.1]}}
    cfg = resolve({"regularisers": two, "analysis": {"claims": {"groups": ["a", "b"]}}})
    assert cfg["analysis"]["claims"]["groups"] == ["a", "b"]
    # one population: nothing to compare, the default groups stand (the claims read "not tested")
    assert resolve({"regularisers": {"spatial": {"strengths": [0.01]}}})["analysis"]["claims"]["groups"] == [
        "seRNN",
        "L1",
    ]


def test_the_default_config_leaves_regularisers_to_the_schema():
    """Snakemake merges config files key by key: populations in config.yaml would be merged into a
    user's instead of being replaced by them."""
    assert "regularisers" not in DEFAULT
    schema = sc.yaml.safe_load(SCHEMA.read_text())
    assert resolve({})["regularisers"] == {
        name: dict(entry, task="maze")
        for name, entry in schema["properties"]["regularisers"]["default"].items()
    }


def test_user_regularisers_replace_a_preset_s():
    cfg = resolve({"preset": "paper", "regularisers": {"spatial": {"strengths": [0.01]}}})
    assert list(cfg["regularisers"]) == ["spatial"]
    assert cfg["chunk_size"] == 32 and cfg["generative"]["samples"] == 200  # the rest of the preset


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


def test_coordinates_file_holding_text_is_named(tmp_path):
    f = tmp_path / "coords.csv"
    f.write_text("x,y,z\n" + "one,two,three\n" * 100)
    with pytest.raises(sc.ConfigError) as info:
        resolve({"model": {"coordinates": str(f)}})
    assert "model.coordinates" in str(info.value) and "line 2 is not numbers" in str(info.value)


def test_paper_preset_populations():
    cfg = resolve({"preset": "paper"})
    pops = sc.populations(cfg)
    assert {k: len(v["strengths"]) for k, v in pops.items()} == {
        "seRNN": 1001,
        "L1": 1001,
        "spatial": 101,
        "communicability": 101,
        "seRNN_random_task": 101,
    }
    assert pops["seRNN_random_task"]["type"] == "seRNN" and pops["seRNN_random_task"]["task"] == "random"
    assert pops["spatial"]["strengths"][0] == 1e-05 and pops["spatial"]["strengths"][-1] == 0.02
    assert cfg["training"]["epochs"] == 10 and cfg["metrics"]["n_nulls"] == 1000


def test_preset_with_user_overrides_and_a_bad_override():
    cfg = resolve({"preset": "paper", "metrics": {"n_nulls": 10}, "seeds": [0, 1]})
    assert cfg["metrics"]["n_nulls"] == 10 and cfg["seeds"] == [0, 1]
    assert len(sc.populations(cfg)["seRNN"]["strengths"]) == 1001
    with pytest.raises(sc.ConfigError, match=r"metrics.n_nulls = 0"):
        resolve({"preset": "paper", "metrics": {"n_nulls": 0}})


# -- the workflow composes its config as ``compose`` does (Snakemake's configfile: statements) -------


@pytest.mark.slow
@pytest.mark.parametrize(
    "user",
    [
        REPO / "config" / "population.yaml",  # a preset as a --configfile
        REPO / "config" / "replication.yaml",  # a file naming a preset
        {"preset": "population"},  # ... and named by a user's config: the same jobs
        {
            "preset": "population",
            "regularisers": {"spatial": {"strengths": [0.01, 0.02, 0.03]}},
            "seeds": [0, 1],
        },
        {
            "preset": "paper",
            "regularisers": {
                "seRNN": {"strengths": {"linspace": [0.01, 0.1, 5]}},
                "L1": {"strengths": [0.001]},
            },
            "generative": {"enabled": False},
        },
    ],
    ids=[
        "population-file",
        "replication-file",
        "population-preset",
        "population-own-regularisers",
        "paper-own-regularisers",
    ],
)
def test_the_workflow_composes_the_config_as_compose(user, tmp_path):
    """Snakemake's dry run has the jobs of ``compose``'s config: the populations (a user's replace
    the preset's), their chunks (strengths x seeds per job, chunk_size), the GNM switch."""
    path = user if isinstance(user, Path) else tmp_path / "user.yaml"
    if not isinstance(user, Path):
        path.write_text(yaml.safe_dump(user))
    cfg = resolve(sc.load_yaml(path))
    jobs = dry_run_jobs(snakemake(tmp_path / "work", "-n", configfile=path).stdout)
    train = {(j["wildcards"]["regulariser"], j["wildcards"]["chunk"]) for j in jobs if j["rule"] == "train"}
    assert train == {(r, c) for r, pop in sc.populations(cfg).items() for c in pop["chunks"]}
    assert any(j["rule"] == "fit_generative" for j in jobs) == cfg["generative"]["enabled"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "bad, words",
    [
        (
            {"analysis": {"claims": {"groups": ["seRNN", "L2"]}}},
            ["analysis.claims.groups", "['seRNN', 'L2']", "'L2'"],
        ),
        ({"analysis": {"accuracy_bins": [0.9, 0.99, 0.95]}}, ["analysis.accuracy_bins", "[0.9, 0.99, 0.95]"]),
        ({"training": {"epochs": 0}}, ["training.epochs = 0"]),  # the schema, through Snakemake's validate()
        ({"preset": "nosuch"}, ["preset = 'nosuch'", "paper, population"]),
    ],
    ids=["claims-groups", "accuracy-bins", "schema", "preset"],
)
def test_the_workflow_refuses_a_bad_config_before_any_job(bad, words, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(sc.merge(yaml.safe_load(TINY.read_text()), bad)))
    proc = snakemake(tmp_path / "work", configfile=path, check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for w in words:
        assert w in text, (w, text[-3000:])
    assert not (tmp_path / "work" / "results").exists()


# -- every bound of the schema is one the code accepts -------------------------------------------


def schema_bounds(node: dict, key: str = "") -> list[tuple[str, str, object]]:
    """(key, kind, value) for every minimum, maximum, exclusiveMinimum/Maximum, enum value and
    boolean of the schema; keys like ``model.grid[]`` (array items), ``regularisers.*.type``
    (any entry), ``regularisers.*.strengths.linspace[2]`` (a prefix item)."""
    out = []
    for kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if kind in node:
            out.append((key, kind, node[kind]))
    for value in node.get("enum", []):
        out.append((key, "enum", value))
    if node.get("type") == "boolean":
        out += [(key, "enum", True), (key, "enum", False)]
    for name, sub in node.get("properties", {}).items():
        out += schema_bounds(sub, f"{key}.{name}" if key else name)
    if isinstance(node.get("additionalProperties"), dict):
        out += schema_bounds(node["additionalProperties"], f"{key}.*")
    if isinstance(node.get("items"), dict):
        out += schema_bounds(node["items"], f"{key}[]")
    for i, sub in enumerate(node.get("prefixItems", [])):
        out += schema_bounds(sub, f"{key}[{i}]")
    for sub in node.get("oneOf", []) + node.get("anyOf", []):
        out += schema_bounds(sub, key)
    return out


SCHEMA_BOUNDS = schema_bounds(sc.yaml.safe_load(SCHEMA.read_text()))

#: A small context every bound is tried in: 12 units, two populations of two seeds, one epoch, every
#: network passing the accuracy filter (threshold 0) so that comparisons have rows.
CONTEXT = {
    "seeds": [0, 1],
    "dataset": {"train": 32, "test": 16, "validation": 16},
    "model": {"n_units": 12, "grid": [2, 2, 3]},
    "training": {"epochs": 1, "batch_size": 16},
    "regularisers": {"seRNN": {"strengths": [0.1]}, "L1": {"strengths": [0.01]}},
    "metrics": {"n_nulls": 4},
    "analysis": {
        "epoch": 1,
        "accuracy_threshold": 0.0,
        "accuracy_bins": [0.0, 0.5, 1.01],
        "claims": {"n_boot": 20},
    },
    "function": {"probe_trials": 16, "n_perm": 5, "n_folds": 2},
    "generative": {"rules": ["sptl", "matching", "clu-avg", "deg-prod"], "levels": 2, "samples": 3},
}


def context_config(over: dict) -> dict:
    """The workflow's config for one user config: ``CONTEXT`` with ``over`` on top (its
    ``regularisers`` replacing the context's populations), composed over the default."""
    user = sc.merge(CONTEXT, over)
    if "regularisers" in over:
        user["regularisers"] = over["regularisers"]
    return sc.compose(DEFAULT, user, REPO / "config")


def _nested(key: str, value) -> dict:
    out = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out


def _one_pop(entry: dict) -> dict:
    return {"regularisers": {"seRNN": {"strengths": [0.1], **entry}}}


def _linspace(spec: list) -> dict:
    return _one_pop({"strengths": {"linspace": spec}})


def _window(window: dict) -> dict:
    return {**_one_pop({"strengths": [0.0, 0.1]}), "generative": {"strengths": {"seRNN": window}}}


def _geomspace(spec: list) -> dict:
    return _one_pop({"strengths": {"geomspace": spec}})


#: key -> (the first pipeline step the key feeds, the config overrides that put it at ``value``:
#: the key itself and any companion a cross-key check needs). Steps: see ``run_steps``.
CASES = {
    "seeds[]": ("train", lambda v: {"seeds": [v]}),
    "dataset.seed": ("dataset", None),
    "dataset.goal_steps": ("dataset", None),
    "dataset.delay_steps": ("dataset", None),
    "dataset.choice_steps": ("dataset", None),
    "dataset.train": ("dataset", None),
    "dataset.test": ("dataset", None),
    # the probe set is drawn from the validation split, so one validation problem means no function
    "dataset.validation": (
        "dataset",
        lambda v: {"dataset": {"validation": v}, "function": {"enabled": v >= 16}},
    ),
    # two units: one candidate edge, kept only with fraction 1
    "model.n_units": (
        "train",
        lambda v: {"model": {"n_units": v, "grid": [1, 1, v]}, "binarise": {"fraction": 1.0}},
    ),
    "model.noise_std": ("train", None),
    "model.grid[]": ("train", lambda v: {"model": {"grid": [v, v, 12 // (v * v)]}}),
    "model.distance_metric": ("train", None),
    "model.distance_power": ("train", None),
    "model.comms_factor": ("train", None),
    "training.epochs": ("train", lambda v: {"training": {"epochs": v}, "analysis": {"epoch": min(v, 1)}}),
    "training.batch_size": ("train", None),
    "training.learning_rate": ("train", None),
    "training.stack": ("train", None),
    "chunk_size": ("summary", None),  # groups networks into jobs; the steps themselves are per file
    "keep_activity": ("summary", None),  # whether Snakemake removes the activity; the steps do not see it
    "regularisers.*.type": ("train", lambda v: _one_pop({"type": v})),
    "regularisers.*.task": ("train", lambda v: _one_pop({"task": v})),
    "regularisers.*.strengths[]": ("train", lambda v: _one_pop({"strengths": [v]})),
    "regularisers.*.strengths.linspace[0]": ("train", lambda v: _linspace([v, 0.1, 2])),
    "regularisers.*.strengths.linspace[1]": ("train", lambda v: _linspace([0.1, v, 2])),
    "regularisers.*.strengths.linspace[2]": ("train", lambda v: _linspace([0.1, 0.2, v])),
    "regularisers.*.strengths.geomspace[0]": ("train", lambda v: _geomspace([v, 0.1, 2])),
    "regularisers.*.strengths.geomspace[1]": ("train", lambda v: _geomspace([0.1, v, 2])),
    "regularisers.*.strengths.geomspace[2]": ("train", lambda v: _geomspace([0.1, 0.2, v])),
    "binarise.method": ("binarise", None),
    "binarise.fraction": ("binarise", None),
    "binarise.symmetrise": ("binarise", None),
    "binarise.drop_diagonal": ("binarise", None),
    "metrics.n_nulls": ("metrics", None),
    "metrics.seed": ("metrics", None),
    "metrics.modularity_gamma": ("metrics", None),
    "metrics.louvain_runs": ("metrics", None),
    "metrics.small_world_propensity": ("metrics", None),
    "analysis.accuracy_threshold": ("summary", None),
    "analysis.epoch": ("activity", None),
    "analysis.accuracy_bins[]": ("summary", lambda v: {"analysis": {"accuracy_bins": [v, v + 0.5]}}),
    "analysis.weight_degree": ("summary", None),
    "analysis.claims.alpha": ("summary", None),
    "analysis.claims.n_boot": ("summary", None),
    "analysis.claims.seed": ("summary", None),
    "function.enabled": ("activity", None),
    "function.epochs[]": ("activity", lambda v: {"function": {"epochs": [v]}}),
    "function.probe_trials": ("activity", None),
    "function.probe_seed": ("activity", None),
    "function.seed": ("function", None),
    "function.n_perm": ("function", None),
    "function.ev_threshold": ("function", None),
    "function.n_folds": ("function", None),
    "function.sliding_width": ("function", None),
    "function.sliding_step": ("function", None),
    "generative.enabled": ("generative", None),
    "generative.levels": ("generative", None),
    "generative.samples": ("generative", None),
    "generative.pow": ("generative", None),
    "generative.modelvar": ("generative", None),
    "generative.epsilon": ("generative", None),
    "generative.target": ("generative", None),
    "generative.fit_failing": ("generative", None),
    "generative.epochs[]": ("generative", lambda v: {"generative": {"epochs": [v]}}),
    "generative.seed": ("generative", None),
    "generative.density": ("generative", None),
    "generative.robust.top_k": ("generative", None),
    "generative.robust.repeats": ("generative", None),
    # a window of the one population's strengths [0, 0.1] that selects at least one of them
    "generative.strengths.*.min": ("train", lambda v: _window({"min": min(v, 0.1)})),
    "generative.strengths.*.max": ("train", lambda v: _window({"max": v})),
    "generative.strengths.*.every": ("train", lambda v: _window({"every": v})),
}

#: Bounds the schema allows but a check beyond it rejects before any work, with the key in the message.
REJECTED_BY_CHECK = {("binarise.fraction", "exclusiveMinimum"), ("generative.density", "exclusiveMinimum")}

STEPS = ("dataset", "train", "binarise", "metrics", "activity", "function", "generative", "summary")


def bound_value(kind: str, value):
    """The value tried at a bound: the bound itself, or just inside an exclusive one."""
    if kind == "exclusiveMinimum":
        return value + 1e-6
    return value - 1e-6 if kind == "exclusiveMaximum" else value


def bound_config(key: str, kind: str, value) -> dict:
    step, overrides = CASES[key]
    v = bound_value(kind, value)
    over = overrides(v) if overrides else _nested(key, v)
    return context_config(over)


def bound_id(b) -> str:
    return f"{b[0]}={b[1]}:{b[2]}"


def test_every_bound_of_the_schema_has_a_case():
    keys = {k for k, _, _ in SCHEMA_BOUNDS}
    assert keys - set(CASES) == set(), "schema bounds without a case in CASES"
    assert set(CASES) - keys == set(), "cases for keys the schema no longer bounds"
    assert len(SCHEMA_BOUNDS) > 60


@pytest.mark.parametrize("bound", SCHEMA_BOUNDS, ids=bound_id)
def test_config_at_each_schema_bound_is_accepted_or_named(bound):
    """At each bound the composed config passes the schema and the checks, except where a check
    documents why the value cannot work (then the message names the key); just outside an
    exclusive bound the schema names the key and the value."""
    key, kind, value = bound
    cfg = bound_config(key, kind, value)
    sc.validate(cfg, SCHEMA)
    if (key, kind) in REJECTED_BY_CHECK:
        with pytest.raises(sc.ConfigError, match=key.replace(".", r"\.")):
            sc.check(cfg, REPO)
    else:
        sc.check(cfg, REPO)
    if kind.startswith("exclusive") and "*" not in key and "[" not in key:
        bad = context_config(_nested(key, value))
        with pytest.raises(sc.ConfigError) as info:
            sc.validate(bad, SCHEMA)
        assert key in str(info.value) and repr(value) in str(info.value)


@pytest.fixture(scope="module")
def context_results(tmp_path_factory):
    """Every step of the small context run once (the outputs that later-starting cases reuse)."""
    cfg = context_config({})
    sc.validate(cfg, SCHEMA)
    work = tmp_path_factory.mktemp("context")
    run_steps(cfg, work, "dataset")
    return work


def run_steps(cfg: dict, work: Path, start: str, base: Path | None = None):
    """The workflow's steps through ``sernn.steps`` (as the rules call them) from ``start`` on,
    on the outputs of ``base`` for the steps before it. Returns the summary DataFrame."""
    import shutil

    from sernn import steps

    res = work / "results"
    if base is not None:
        shutil.copytree(base / "results", res)
    first = STEPS.index(start)
    fn_on = cfg["function"]["enabled"]
    gnm_on = cfg["generative"]["enabled"]
    dataset = res / "dataset.h5"
    if first <= 0:
        steps.dataset.generate_dataset(dataset, cfg["dataset"])
    metrics_paths, function_paths, generative_paths = [], [], []
    for reg, pop in sc.populations(cfg).items():
        for lab in pop["labels"]:
            p = {
                s: res / s / reg / f"{lab}.h5"
                for s in ("networks", "binarised", "metrics", "activity", "function", "generative")
            }
            if first <= 1:
                steps.training.train_networks(
                    dataset,
                    p["networks"],
                    regulariser=reg,
                    regulariser_type=pop["type"],
                    task=pop["task"],
                    strength=float(lab),
                    seeds=cfg["seeds"],
                    model=cfg["model"],
                    training=cfg["training"],
                    base_dir=REPO,
                )
            if first <= 2:
                steps.structure.binarise_networks(p["networks"], p["binarised"], cfg["binarise"])
            if first <= 3:
                steps.structure.compute_metrics(p["networks"], p["binarised"], p["metrics"], cfg["metrics"])
            if fn_on and first <= 4:
                steps.function.record_activity(
                    dataset, p["networks"], p["activity"], cfg["function"], cfg["analysis"]
                )
            if fn_on and first <= 5:
                steps.function.compute_function(p["activity"], p["function"], cfg["function"], cfg["dataset"])
            if gnm_on and first <= 6:
                steps.generative.fit_generative(
                    p["networks"],
                    p["binarised"],
                    p["generative"],
                    cfg["generative"],
                    cfg["analysis"],
                    cfg["binarise"],
                )
            metrics_paths.append(p["metrics"])
            function_paths += [p["function"]] if fn_on else []
            generative_paths += [p["generative"]] if gnm_on else []
    summary = res / "summary"
    df = steps.summary.aggregate(
        metrics_paths,
        summary / "metrics.csv",
        cfg["analysis"],
        function_paths,
        summary / "function_windows.csv",
        generative_paths=generative_paths,
    )
    steps.summary.compare_populations(summary / "metrics.csv", summary / "comparison.csv", cfg["analysis"])
    if hasattr(steps.summary, "paper_claims"):
        steps.summary.paper_claims(summary / "metrics.csv", summary / "claims.csv", cfg["analysis"])
    return df


@pytest.mark.slow
@pytest.mark.parametrize(
    "bound", [b for b in SCHEMA_BOUNDS if (b[0], b[1]) not in REJECTED_BY_CHECK], ids=bound_id
)
def test_pipeline_runs_at_each_schema_bound(bound, context_results, tmp_path):
    """Every step the key feeds, and every step after it, runs at the bound (through the same
    ``sernn.steps`` functions the rules call) and gives one row per network and snapshot."""
    key, kind, value = bound
    cfg = bound_config(key, kind, value)
    sc.validate(cfg, SCHEMA)
    sc.check(cfg, REPO)
    start = CASES[key][0]
    df = run_steps(cfg, tmp_path, start, None if start == "dataset" else context_results)
    n_networks = sum(len(p["strengths"]) for p in sc.populations(cfg).values()) * len(cfg["seeds"])
    assert len(df) == n_networks * (cfg["training"]["epochs"] + 1)
    assert df["density"].notna().all() and (df["n_edges"] >= 1).all()
    if cfg["generative"]["enabled"]:  # every network passes (threshold 0): fitted at its epochs
        epochs = cfg["generative"]["epochs"] or [cfg["analysis"]["epoch"]]
        fitted = df[df["epoch"].isin(epochs)]
        assert fitted["gnm_fitted"].astype(bool).all() and fitted["gnm_best_energy"].between(0, 1).all()
        assert df.loc[~df["epoch"].isin(epochs), "gnm_best_energy"].isna().all()


def test_schema_order_gives_one_key_order():
    schema = sc.load_yaml(SCHEMA)
    a = resolve({"generative": {"samples": 5, "levels": 2}, "seeds": [0]})
    b = resolve({"seeds": [0], "generative": {"levels": 2, "samples": 5}})
    oa, ob = sc.schema_order(a, schema), sc.schema_order(b, schema)
    assert oa == ob and list(oa) == list(ob)
    assert list(oa["generative"]) == list(ob["generative"])
    assert [k for k in oa if k in schema["properties"]] == [k for k in schema["properties"] if k in oa]
    # population names are not schema keys: their order (the chunks' order) is kept
    pops = sc.schema_order({"regularisers": {"L1": {}, "seRNN": {}}}, schema)["regularisers"]
    assert list(pops) == ["L1", "seRNN"]
