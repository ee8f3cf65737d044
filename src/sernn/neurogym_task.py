"""Tasks of the NeuroGym collection (Yang et al. 2019's and others) as ``sernn.task.Task``.

A config names one as ``task: {neurogym: <env id>, <keyword>: <value>, ...}`` (the keywords go to
``neurogym.make``). NeuroGym is optional (``requirements-neurogym.txt``); it is imported only here,
and only when such a task is used.

Trials: the environment is seeded once (``env.unwrapped.seed(seed)``) and draws the splits' trials
in the order given (``new_trial``); trial k's per-step observations ``ob`` (T_k, I) are the inputs and
its ground truth ``gt`` (T_k,) the target actions, one-hot over the O actions. Trials differ in
length, so every split is padded at the end to the longest trial of all splits: the loss mask is 1
on a trial's own steps and 0 on the padding (NeuroGym supervises every step, fixation included);
the decision steps (accuracy) are the trial's ``decision`` period (the steps with a non-fixation
target when the task has no such period). Conditions: every scalar entry of the trial's dict
(``ground_truth``, ``coh``, ``theta1``, ...; booleans as 0/1) plus ``answer``, the target action at
the first decision step, and ``n_steps``, the trial's own length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .task import Task, Trials

#: The key of a task entry that names a NeuroGym environment.
KEY = "neurogym"


def make_env(env_id: str, kwargs: dict):
    """The unwrapped NeuroGym environment ``env_id`` made with ``kwargs``. Raises ``ValueError``
    when NeuroGym is not installed or the environment cannot be made."""
    try:
        import neurogym
    except ImportError as exc:
        raise ValueError(
            f"NeuroGym is not installed ({exc}); install it with "
            "`pip install --no-deps -r requirements-neurogym.txt`"
        ) from exc
    try:
        return neurogym.make(env_id, **kwargs).unwrapped
    except Exception as exc:
        raise ValueError(f"cannot make NeuroGym environment {env_id!r}: {type(exc).__name__}: {exc}") from exc


def _decision_steps(env, gt: np.ndarray) -> np.ndarray:
    """(T_k,) bool: the trial's decision period, or its non-fixation targets without one."""
    out = np.zeros(gt.shape[0], bool)
    if "decision" in getattr(env, "start_ind", {}):
        out[env.start_ind["decision"] : env.end_ind["decision"]] = True
    if not out.any():
        out = gt != 0
    return out


def _conditions(trial: dict) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in trial.items()
        if np.ndim(v) == 0 and isinstance(v, (bool, int, float, np.bool_, np.integer, np.floating))
    }


def draw_trials(env, n: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, dict]]:
    """``n`` trials of ``env`` (seeded by the caller): (ob (T_k, I), gt (T_k,), decision (T_k,),
    conditions) each."""
    out = []
    for _ in range(int(n)):
        trial = env.new_trial()
        gt = np.asarray(env.gt).reshape(-1).astype(np.int64)
        decision = _decision_steps(env, gt)
        cond = _conditions(trial)
        cond["answer"] = float(gt[np.argmax(decision)]) if decision.any() else float("nan")
        cond["n_steps"] = float(gt.shape[0])
        out.append((np.asarray(env.ob, np.float32).reshape(gt.shape[0], -1), gt, decision, cond))
    return out


def pad_trials(trials: list, n_steps: int, n_outputs: int) -> Trials:
    """The trials padded to ``n_steps`` steps (zeros after each trial's end, mask 0 there)."""
    n, n_in = len(trials), trials[0][0].shape[1]
    inputs = np.zeros((n, n_steps, n_in), np.float32)
    targets = np.zeros((n, n_steps, n_outputs), np.float32)
    mask = np.zeros((n, n_steps), np.float32)
    decision = np.zeros((n, n_steps), bool)
    for i, (ob, gt, dec, _) in enumerate(trials):
        t = gt.shape[0]
        inputs[i, :t] = ob
        targets[i, np.arange(t), gt] = 1.0
        mask[i, :t] = 1.0
        decision[i, :t] = dec
    names = list(dict.fromkeys(k for tr in trials for k in tr[3]))
    conditions = {k: np.asarray([tr[3].get(k, np.nan) for tr in trials], np.float64) for k in names}
    return Trials(inputs, targets, mask, decision, conditions)


@dataclass(frozen=True)
class NeuroGymTask(Task):
    """NeuroGym environment ``env_id`` made with ``kwargs``; per-step cross-entropy over its actions."""

    env_id: str
    kwargs: dict = field(default_factory=dict)
    loss = "cross_entropy"
    last_step_only = False
    n_steps = None

    @property
    def n_inputs(self) -> int:
        return int(np.prod(make_env(self.env_id, self.kwargs).observation_space.shape))

    @property
    def n_outputs(self) -> int:
        return int(make_env(self.env_id, self.kwargs).action_space.n)

    def generate(self, sizes: dict[str, int], seed: int) -> dict[str, Trials]:
        """split -> ``Trials``, every split padded to the longest trial drawn (module docstring)."""
        env = make_env(self.env_id, self.kwargs)
        env.seed(int(seed))
        drawn = {split: draw_trials(env, n) for split, n in sizes.items()}
        n_steps = max(tr[1].shape[0] for trials in drawn.values() for tr in trials)
        return {
            split: pad_trials(trials, n_steps, int(env.action_space.n)) for split, trials in drawn.items()
        }


def from_config(entry: dict) -> NeuroGymTask:
    """The task of a config entry ``{neurogym: <env id>, ...keywords}``."""
    kwargs = {k: v for k, v in entry.items() if k != KEY}
    return NeuroGymTask(str(entry[KEY]), kwargs)


def check(entry: dict) -> None:
    """The environment can be made with the keywords and yields a trial with per-step observations
    and a discrete target. Raises ``ValueError``."""
    task = from_config(entry)
    env = make_env(task.env_id, task.kwargs)
    if not hasattr(env.action_space, "n"):
        raise ValueError(
            f"{task.env_id!r} has a {type(env.action_space).__name__} action space; a discrete one is needed"
        )
    env.seed(0)
    ob, gt, _, _ = draw_trials(env, 1)[0]
    if ob.shape[0] != gt.shape[0] or ob.shape[0] < 1:
        raise ValueError(f"{task.env_id!r}: observations {ob.shape} and targets {gt.shape} are not per step")
