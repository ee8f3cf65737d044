"""NeuroGym tasks through the task interface: seeded, padded with the mask, trainable per step.
NeuroGym is installed by ``make setup`` (requirements-neurogym.txt), so these run in CI."""

from pathlib import Path

import numpy as np
import pytest

from sernn import embedding, neurogym_task, training

YANG = ("yang19.go-v0", "yang19.dlygo-v0", "yang19.dm1-v0")
SIZES = {"train": 40, "test": 12, "validation": 12}


def gym_trials(env_id, seed, n):
    """Trials straight from NeuroGym: (ob, gt, trial dict) per trial."""
    import neurogym

    env = neurogym.make(env_id).unwrapped
    env.seed(seed)
    out = []
    for _ in range(n):
        trial = env.new_trial()
        out.append((env.ob.copy(), env.gt.copy(), dict(trial), dict(env.start_ind), dict(env.end_ind)))
    return out


@pytest.mark.parametrize("env_id", YANG + ("PerceptualDecisionMaking-v0",))
def test_trials_are_neurogyms_padded_with_the_mask(env_id):
    task = neurogym_task.from_config({"neurogym": env_id})
    splits = task.generate(SIZES, seed=5)
    raw = gym_trials(env_id, 5, sum(SIZES.values()))
    n_steps = max(gt.shape[0] for _, gt, *_ in raw)
    k = 0
    for split, n in SIZES.items():
        t = splits[split]
        assert t.inputs.shape == (n, n_steps, task.n_inputs) and t.targets.shape == (
            n,
            n_steps,
            task.n_outputs,
        )
        for i in range(n):
            ob, gt, trial, start, end = raw[k]
            k += 1
            steps = gt.shape[0]
            np.testing.assert_array_equal(t.inputs[i, :steps], ob.astype(np.float32))
            assert not t.inputs[i, steps:].any() and not t.targets[i, steps:].any()
            np.testing.assert_array_equal(t.targets[i, :steps].argmax(-1), gt)
            assert t.targets[i, :steps].sum() == steps  # one-hot
            np.testing.assert_array_equal(t.mask[i], np.arange(n_steps) < steps)
            expected = np.zeros(n_steps, bool)
            expected[start["decision"] : end["decision"]] = True
            np.testing.assert_array_equal(t.decision[i], expected)
            assert t.conditions["n_steps"][i] == steps
            assert t.conditions["answer"][i] == gt[start["decision"]]
            if "ground_truth" in trial:
                assert t.conditions["ground_truth"][i] == trial["ground_truth"]


def test_same_seed_same_trials_other_seed_other_trials():
    task = neurogym_task.from_config({"neurogym": "yang19.dm1-v0"})
    a, b, c = task.generate(SIZES, 1), task.generate(SIZES, 1), task.generate(SIZES, 2)
    for s in SIZES:
        assert a[s].inputs.tobytes() == b[s].inputs.tobytes()
        assert a[s].targets.tobytes() == b[s].targets.tobytes()
    assert a["train"].inputs.tobytes() != c["train"].inputs.tobytes()


def test_keywords_reach_the_environment():
    short = neurogym_task.from_config({"neurogym": "GoNogo-v0", "dt": 100})
    fine = neurogym_task.from_config({"neurogym": "GoNogo-v0", "dt": 50})
    assert (
        fine.generate({"train": 5}, 0)["train"].inputs.shape[1]
        > short.generate({"train": 5}, 0)["train"].inputs.shape[1]
    )


def test_bad_tasks_are_refused():
    with pytest.raises(ValueError, match="cannot make NeuroGym environment 'NoSuchTask-v0'"):
        neurogym_task.check({"neurogym": "NoSuchTask-v0"})
    with pytest.raises(ValueError, match="nonsense"):
        neurogym_task.check({"neurogym": "GoNogo-v0", "nonsense": 3})
    neurogym_task.check({"neurogym": "yang19.go-v0"})


def test_a_yang_task_is_learnt_per_step():
    training.configure_tensorflow(2)
    task = neurogym_task.from_config({"neurogym": "yang19.go-v0"})
    trials = task.generate({"train": 256, "test": 64, "validation": 64}, seed=0)
    data = {
        s: {k: getattr(t, k) for k in ("inputs", "targets", "mask", "decision")} for s, t in trials.items()
    }
    d = embedding.distance_matrix(embedding.grid_coordinates((2, 2, 4)))
    spec = training.TrainingSpec("L1", epochs=8, batch_size=32, n_units=16, learning_rate=0.01)
    n_steps = trials["train"].inputs.shape[1]
    trainer = training.Trainer(spec, d, n_steps, task.n_inputs, task.n_outputs, per_step=True)
    r = trainer.train_stack([0], 0.0, data)[0]
    assert r.output_kernel.shape == (16, 17)
    assert r.history["loss"][-1] < 0.7 * r.history["loss"][0]
    assert r.evaluation["validation_accuracy"][-1] > r.evaluation["validation_accuracy"][0]


def resolve(task, **extra):
    from sernn import config as sc

    repo = Path(__file__).resolve().parents[1]
    overrides = {"regularisers": {"mine": {"task": task, "type": "L1", "strengths": [0.1]}}, **extra}
    cfg = sc.compose(sc.load_yaml(repo / "config.yaml"), overrides, repo / "config")
    sc.validate(cfg, repo / "workflow" / "schemas" / "config.schema.yaml")
    sc.check(cfg, repo)
    return cfg


def test_config_names_the_bad_task_before_any_job():
    from sernn.config import ConfigError

    ok = resolve({"neurogym": "yang19.go-v0"}, function={"enabled": False})
    assert ok["regularisers"]["mine"]["task"] == {"neurogym": "yang19.go-v0"}
    with pytest.raises(ConfigError, match=r"regularisers.mine.task = \{'neurogym': 'Nope-v0'\}: cannot make"):
        resolve({"neurogym": "Nope-v0"}, function={"enabled": False})
    with pytest.raises(ConfigError, match="regularisers.mine.task"):
        resolve({"gym": "yang19.go-v0"})
    with pytest.raises(ConfigError, match="function.probe_trials"):
        resolve({"neurogym": "yang19.go-v0"}, dataset={"validation": 10})
