"""Steps of rules record_activity and compute_function: hidden activity on a fixed probe set and
the functional measures computed from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import storage
from ..jobs import say
from .common import analysed_epochs, null_seed


def _probe_indices(n_val: int, n_trials: int, seed: int, noun: str) -> np.ndarray:
    """``n_trials`` of the validation split's ``n_val`` trials, drawn without replacement (seeded),
    sorted; a ValueError naming function.probe_trials when the split has fewer ("problems" of the
    maze, "trials" of a task: ``noun``)."""
    if n_trials > n_val:
        raise ValueError(
            f"function.probe_trials = {n_trials} exceeds the validation split's {n_val} {noun} "
            f"(dataset.validation)"
        )
    return np.sort(np.random.default_rng(seed).choice(n_val, size=n_trials, replace=False))


def probe_set(dataset_path: str | Path, n_trials: int, seed: int) -> dict[str, np.ndarray]:
    """A fixed probe set: ``n_trials`` trials drawn without replacement (seeded) from the validation
    split, in sorted order. Returns per-trial arrays: trial_index, maze_id, goal (0-3 over goal
    locations 7, 9, 17, 19), choice_options (index into ``task.CHOICE_PAIRS``), correct_choice (0-3
    over l, u, r, d) and the inputs (n, T, 8)."""
    from .. import task

    data = storage.read_dataset(dataset_path)["validation"]
    idx = _probe_indices(data["maze_id"].shape[0], n_trials, seed, "problems")
    maze = data["maze_id"][idx].astype(np.int64)
    return {
        "trial_index": idx,
        "maze_id": maze,
        "goal": task.goal_index()[maze],
        "choice_options": task.choice_pair_code()[maze],
        "correct_choice": task.answer_index()[maze],
        "inputs": data["inputs"][idx],
    }


def task_probe(dataset_path: str | Path, n_trials: int, seed: int) -> dict[str, np.ndarray]:
    """``probe_set`` of a task given through the task interface (its ``tasks/{regulariser}.h5``): the
    trials drawn as there from its validation split, with their loss mask and decision steps (n, T)
    and their conditions as ``condition_<name>`` (n,)."""
    data = storage.read_task_dataset(dataset_path)["validation"]
    idx = _probe_indices(data["inputs"].shape[0], n_trials, seed, "trials")
    out = {"trial_index": idx, "mask": data["mask"][idx], "decision": data["decision"][idx].astype(np.uint8)}
    out.update({f"condition_{k}": v[idx] for k, v in data["conditions"].items()})
    out["inputs"] = data["inputs"][idx]
    return out


def probe_noise(shape: tuple[int, ...], std: float, seed: int) -> np.ndarray:
    """Gaussian input noise for the probe set, like the training's GaussianNoise layer: an array of
    ``shape`` (float32), sd ``std``, drawn from ``SeedSequence([seed, 1])``: the same for every
    network, so networks are compared on the same noisy trials."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 1]))
    return rng.normal(0.0, float(std), size=shape).astype(np.float32)


def record_activity(
    dataset_path: str | Path,
    networks_path: str | Path,
    output: str | Path,
    function: dict,
    analysis: dict,
    config: dict | None = None,
    *,
    noisy_output: str | Path | None = None,
    noise_std: float = 0.0,
) -> None:
    """Hidden-unit activity of every seed at the analysed epochs on the probe set. At an epoch whose
    weights are not all finite (a diverged network) activity and probabilities are stored as NaN
    (the function step then gives NaN measures). With ``noisy_output``, the same again on the probe
    inputs plus the training's input noise (sd ``noise_std``, the config's model.noise_std;
    ``probe_noise`` seeded by function.probe_seed), written there in the same layout."""
    from .. import training as tr

    nets = storage.read_networks(networks_path)
    maze = not str(nets["attrs"]["task"]).startswith("{")  # else a task through the task interface
    make_probe = probe_set if maze else task_probe
    probe = make_probe(dataset_path, function["probe_trials"], function["probe_seed"])
    inputs = probe.pop("inputs")
    variants = {"": inputs}
    if noisy_output:
        variants["noisy "] = inputs + probe_noise(inputs.shape, noise_std, function["probe_seed"])
    recorded = {v: {} for v in variants}
    for seed, d in nets["seeds"].items():
        epochs = analysed_epochs("function", function, analysis, d["recurrent"].shape[0] - 1)
        for variant, x in variants.items():
            acts, probs = [], []
            for e in epochs:
                w = tr.weights_at(d["recurrent"], d["snapshots"], e)
                if all(np.isfinite(v).all() for v in w.values()):
                    states, p = tr.hidden_activity(w, x)
                    accuracy = f"{np.mean(p.argmax(1) == probe['correct_choice']):.4f}" if maze else "-"
                    say(f"{variant}activity seed {seed} epoch {e}: probe accuracy {accuracy}")
                else:
                    states = np.full(x.shape[:2] + (d["recurrent"].shape[1],), np.nan, np.float32)
                    p = np.full((x.shape[0], d["output_bias"].shape[0]), np.nan, np.float32)
                    say(
                        f"{variant}activity seed {seed} epoch {e}: non-finite weights (diverged), "
                        f"activity NaN"
                    )
                acts.append(states)
                probs.append(p)
            recorded[variant][seed] = {
                "activity": np.stack(acts),
                "epochs": np.asarray(epochs),
                "probabilities": np.stack(probs),
            }
    attrs = {
        "regulariser": nets["attrs"]["regulariser"],
        "strength": nets["attrs"]["strength"],
        "task": nets["attrs"]["task"],
        "probe_trials": function["probe_trials"],
        "probe_seed": function["probe_seed"],
    }
    storage.write_activity(output, probe, recorded[""], nets["coordinates"], attrs, config or {})
    if noisy_output:
        noisy_attrs = {
            **attrs,
            "input_noise_std": float(noise_std),
            "input_noise": "probe inputs + N(0, input_noise_std), SeedSequence([probe_seed, 1])",
        }
        storage.write_activity(
            noisy_output, probe, recorded["noisy "], nets["coordinates"], noisy_attrs, config or {}
        )


def compute_function(
    activity_path: str | Path,
    output: str | Path,
    function: dict,
    dataset: dict,
    config: dict | None = None,
    noisy_path: str | Path | None = None,
) -> None:
    """Functional measures (``sernn.function.function_measures``) per seed x analysed epoch: a
    ``table`` (one row each) and a ``windows`` table (one row per window / time step, the keys last).
    Activity that is not all finite (a diverged network) gives the same rows with NaN measures
    (``sernn.function.empty_measures``).

    The table also holds the goal information at the last step of the delay
    (``sernn.function.goal_at_step``): ``ev_goal_delay_end`` on the noise-free probe and, with
    ``noisy_path`` (``record_activity``'s noisy activity), ``decoding_goal_delay_end_noisy`` and
    ``ev_goal_delay_end_noisy``. On the noise-free probe a trained network's activity is a function
    of the 8 problems, so it decodes the goal perfectly at every step; with input noise networks
    differ."""
    from .. import function as fn

    act = storage.read_activity(activity_path)
    if "maze_id" not in act["probe"]:
        return compute_task_function(act, output, function, config)
    noisy = storage.read_activity(noisy_path)["seeds"] if noisy_path else None
    delay_end = int(dataset["goal_steps"]) + int(dataset["delay_steps"]) - 1
    coords = act["coordinates"]
    regulariser = act["attrs"]["regulariser"]
    strength = float(act["attrs"]["strength"])
    windows = fn.default_windows(
        dataset["goal_steps"],
        dataset["delay_steps"],
        dataset["choice_steps"],
        sliding_width=function["sliding_width"],
        sliding_step=function["sliding_step"],
    )
    probe = act["probe"]
    rows, window_rows = [], []
    for seed, d in act["seeds"].items():
        for i, epoch in enumerate(d["epochs"]):
            if not np.isfinite(d["activity"][i]).all():
                scalars, win = fn.empty_measures(windows, d["activity"].shape[2])
            else:
                scalars, win = fn.function_measures(
                    d["activity"][i],
                    probe["goal"],
                    probe["choice_options"],
                    probe["correct_choice"],
                    coords,
                    windows,
                    n_perm=function["n_perm"],
                    seed=null_seed(function["seed"], regulariser, strength, seed, int(epoch)),
                    ev_threshold=function["ev_threshold"],
                    n_folds=function["n_folds"],
                )
            key = {"regulariser": regulariser, "strength": strength, "seed": seed, "epoch": int(epoch)}
            scalars = {
                **scalars,
                **_delay_end_goal(
                    d,
                    noisy,
                    seed,
                    i,
                    probe["goal"],
                    delay_end,
                    function,
                    null_seed(function["seed"], regulariser, strength, seed, int(epoch)),
                ),
            }
            rows.append({**key, **scalars})
            window_rows += [{**r, **key} for r in win]
            say(
                f"function seed {seed} epoch {epoch}: energy {scalars['energy']:.4f}, mixed "
                f"selectivity {scalars['mixed_selectivity']:.3f}"
            )
    table = {k: np.asarray([r[k] for r in rows]) for k in rows[0]}
    windows_tab = {k: np.asarray([r[k] for r in window_rows]) for k in window_rows[0]}
    attrs = {"regulariser": regulariser, "strength": strength, "n_perm": function["n_perm"]}
    storage.write_tables(
        output, {"table": table, "windows": windows_tab}, attrs, config or {}, "compute_function"
    )


#: The delay-end columns of ``compute_function`` (``_delay_end_goal``).
DELAY_END_COLUMNS = ("ev_goal_delay_end", "decoding_goal_delay_end_noisy", "ev_goal_delay_end_noisy")


def _delay_end_goal(
    d: dict, noisy: dict | None, seed: int, i: int, goal: np.ndarray, step: int, function: dict, dec_seed: int
) -> dict[str, float]:
    """The delay-end columns of ``compute_function`` for one seed's i-th analysed epoch: d is that
    seed's noise-free activity group, ``noisy`` every seed's noisy one (or None)."""
    from .. import function as fn

    def at(activity):
        if not np.isfinite(activity).all():
            return {"ev_goal": float("nan"), "decoding_goal": float("nan")}
        return fn.goal_at_step(activity, goal, step, n_folds=function["n_folds"], seed=dec_seed)

    out = {"ev_goal_delay_end": at(d["activity"][i])["ev_goal"]}
    if noisy is not None:
        if not np.array_equal(noisy[seed]["epochs"], d["epochs"]):
            raise ValueError(
                f"noisy activity of seed {seed} has epochs {noisy[seed]['epochs']}, the "
                f"noise-free one {d['epochs']}"
            )
        noisy_end = at(noisy[seed]["activity"][i])
        out["decoding_goal_delay_end_noisy"] = noisy_end["decoding_goal"]
        out["ev_goal_delay_end_noisy"] = noisy_end["ev_goal"]
    return out


def compute_task_function(act: dict, output: str | Path, function: dict, config: dict | None = None) -> None:
    """``compute_function`` for a task given through the task interface (``act``: its
    ``storage.read_activity``): ``sernn.task_function.task_measures`` per seed x analysed epoch, the
    maze's goal/choice/delay columns empty (NaN) with a log line saying why, and one window row
    ("decision") whose maze columns are empty too."""
    from .. import function as fn
    from .. import task_function as tf_

    probe = act["probe"]
    conditions = {k[len("condition_") :]: v for k, v in probe.items() if k.startswith("condition_")}
    regulariser, strength = act["attrs"]["regulariser"], float(act["attrs"]["strength"])
    say(
        f"task {act['attrs'].get('task', '?')}: no goal, delay or choice periods, so the maze's columns "
        f"({', '.join(c for c in fn.FUNCTION_COLUMNS if c not in ('energy', 'mixed_selectivity'))}, "
        f"ev_goal_delay_end and the noisy ones) are empty; grouping by the task's conditions instead"
    )
    rows, window_rows, logged = [], [], False
    maze_nan = dict.fromkeys(fn.FUNCTION_COLUMNS + DELAY_END_COLUMNS, float("nan"))
    for seed, d in act["seeds"].items():
        for i, epoch in enumerate(d["epochs"]):
            key = {"regulariser": regulariser, "strength": strength, "seed": seed, "epoch": int(epoch)}
            if not np.isfinite(d["activity"][i]).all():
                scalars, notes = (
                    {"energy": float("nan")},
                    ["non-finite activity (diverged): every measure NaN"],
                )
            else:
                scalars, notes = tf_.task_measures(
                    d["activity"][i],
                    probe["mask"],
                    probe["decision"].astype(bool),
                    conditions,
                    act["coordinates"],
                    n_perm=function["n_perm"],
                    seed=null_seed(function["seed"], regulariser, strength, seed, int(epoch)),
                    ev_threshold=function["ev_threshold"],
                    n_folds=function["n_folds"],
                )
            if not logged or notes[:1] == ["non-finite activity (diverged): every measure NaN"]:
                for note in notes:
                    say(f"seed {seed} epoch {epoch}: {note}")
                logged = True
            rows.append({**key, **maze_nan, **scalars})
            window = {"window": "decision", "kind": "window", "start": -1, "stop": -1}
            window_rows.append({**window, **dict.fromkeys(fn.FRAME_COLUMNS[4:], float("nan")), **key})
    columns = list(dict.fromkeys(c for r in rows for c in r))
    table = {c: np.asarray([r.get(c, float("nan")) for r in rows]) for c in columns}
    windows_tab = {k: np.asarray([r[k] for r in window_rows]) for k in window_rows[0]}
    attrs = {"regulariser": regulariser, "strength": strength, "n_perm": function["n_perm"]}
    storage.write_tables(
        output, {"table": table, "windows": windows_tab}, attrs, config or {}, "compute_function"
    )
