"""The one-choice maze task of the seRNN paper (the notebook's ``mazeGeneratorI``), vectorised.

Eight problems. Each shows a goal location (one-hot in inputs 0-3) for ``goal_steps`` time steps,
then ``delay_steps`` of zeros, then two of the four directions l, u, r, d (two-hot in inputs 4-7) for
``choice_steps``. The answer is one direction (one-hot over l, u, r, d).

The task interface (``Task``, ``Trials``) is what training and the analyses see of any task: a
seeded generator of inputs (n, T, I), targets (n, T, O), a loss mask (n, T), the decision steps and
a per-trial table of conditions; ``MazeTask`` is the maze (and, shuffled, the random task) through it.

Every function here is pure: arrays in, arrays out, randomness only through a seeded
``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Goal location (maze cell number) of problems 0-7.
GOALS = np.array([9, 9, 19, 17, 17, 7, 19, 7])
#: The four goal locations in input order (inputs 0-3).
GOAL_LOCATIONS = np.array([7, 9, 17, 19])
#: Direction names in input/output order.
DIRECTIONS = ("l", "u", "r", "d")
#: Offered directions of problems 0-7.
CHOICES = ("ul", "rd", "ld", "rd", "ul", "ur", "lr", "lr")
#: Correct first step of problems 0-7.
ANSWERS = ("u", "r", "d", "d", "l", "u", "r", "l")
#: The six unordered pairs of directions, indexed by ``choice_pair_code``.
CHOICE_PAIRS = ("lu", "lr", "ld", "ur", "ud", "rd")
N_PROBLEMS = 8
N_INPUTS = 8
N_OUTPUTS = 4


def goal_index() -> np.ndarray:
    """Goal of each problem as an index 0-3 into ``GOAL_LOCATIONS``; shape (8,)."""
    return np.searchsorted(GOAL_LOCATIONS, GOALS)


def choice_two_hot() -> np.ndarray:
    """Offered directions of each problem, two-hot over l, u, r, d; shape (8, 4), float32."""
    out = np.zeros((N_PROBLEMS, 4), dtype=np.float32)
    for p, pair in enumerate(CHOICES):
        out[p, [DIRECTIONS.index(c) for c in pair]] = 1.0
    return out


def answer_index() -> np.ndarray:
    """Correct direction of each problem as an index 0-3 into ``DIRECTIONS``; shape (8,)."""
    return np.array([DIRECTIONS.index(a) for a in ANSWERS])


def choice_pair_code() -> np.ndarray:
    """Offered pair of each problem as an index into ``CHOICE_PAIRS``; shape (8,)."""
    canon = ["".join(sorted(pair, key=DIRECTIONS.index)) for pair in CHOICES]
    return np.array([CHOICE_PAIRS.index(c) for c in canon])


def problem_templates(goal_steps: int, delay_steps: int, choice_steps: int) -> np.ndarray:
    """The input sequence of each of the 8 problems.

    Returns: (8, goal_steps + delay_steps + choice_steps, 8) float32; inputs 0-3 one-hot goal during
    the goal period, zeros during the delay, inputs 4-7 two-hot choices during the choice period.
    """
    for name, value in (
        ("goal_steps", goal_steps),
        ("delay_steps", delay_steps),
        ("choice_steps", choice_steps),
    ):
        if int(value) != value or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    n_steps = goal_steps + delay_steps + choice_steps
    if n_steps == 0:
        raise ValueError("goal_steps + delay_steps + choice_steps must be positive, got 0")
    out = np.zeros((N_PROBLEMS, n_steps, N_INPUTS), dtype=np.float32)
    out[np.arange(N_PROBLEMS), :goal_steps, goal_index()] = 1.0
    out[:, goal_steps + delay_steps :, 4:] = choice_two_hot()[:, None, :]
    return out


def answer_one_hot() -> np.ndarray:
    """Correct answer of each problem, one-hot over l, u, r, d; shape (8, 4), float32."""
    return np.eye(N_OUTPUTS, dtype=np.float32)[answer_index()]


def draw_problems(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` problem ids uniformly from 0-7; shape (n,), int64."""
    if int(n) != n or n < 1:
        raise ValueError(f"number of problems must be a positive integer, got {n!r}")
    return rng.integers(0, N_PROBLEMS, size=int(n))


def make_split(maze_id: np.ndarray, templates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and one-hot answers of the trials ``maze_id``.

    maze_id: (n,) ints 0-7; templates: (8, n_steps, 8) from ``problem_templates``.
    Returns inputs (n, n_steps, 8) float32 and labels (n, 4) float32.
    """
    return templates[maze_id], answer_one_hot()[maze_id]


def shuffle_labels(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The "random task" control: the same labels in a random order over trials, so that they no
    longer follow the problem. labels: (n, 4). Returns a new (n, 4) array."""
    return labels[rng.permutation(labels.shape[0])]


def generate(
    sizes: dict[str, int], goal_steps: int, delay_steps: int, choice_steps: int, seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """Generate every split of the task.

    sizes: split name -> number of problems (e.g. ``{"train": 5120, "test": 2560, "validation": 2560}``).
    Returns split -> {"inputs": (n, T, 8) float32, "labels": (n, 4) float32, "maze_id": (n,) int8,
    "shuffled_labels": (n, 4) float32 (the random-task labels)}. One generator seeded with ``seed``
    draws the splits in the order given, then the label shuffles.
    """
    rng = np.random.default_rng(seed)
    templates = problem_templates(goal_steps, delay_steps, choice_steps)
    out = {}
    for split, n in sizes.items():
        maze_id = draw_problems(n, rng)
        inputs, labels = make_split(maze_id, templates)
        out[split] = {"inputs": inputs, "labels": labels, "maze_id": maze_id.astype(np.int8)}
    for split in sizes:
        out[split]["shuffled_labels"] = shuffle_labels(out[split]["labels"], rng)
    return out


# -- the task interface ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trials:
    """One split of a task. inputs (n, T, I) float32; targets (n, T, O) float32 (one-hot classes for
    cross-entropy, values for mean squared error); mask (n, T) float32, the weight of each step in the
    loss (0 = unsupervised); decision (n, T) bool, the steps whose answers count towards accuracy;
    conditions: name -> (n,) ints, what each trial is (what the functional analyses group by)."""

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    decision: np.ndarray
    conditions: dict[str, np.ndarray]


class Task:
    """A seeded generator of trials. ``n_inputs``, ``n_outputs``, ``n_steps`` (None: varies, padded),
    ``loss``: "cross_entropy" or "mse"; ``last_step_only``: every trial is supervised at its last step
    alone (the trainer then takes its cheaper last-state path). ``generate(sizes, seed)`` returns
    split -> ``Trials``, the same for the same sizes and seed."""

    n_inputs: int
    n_outputs: int
    n_steps: int | None
    loss: str = "cross_entropy"
    last_step_only: bool = False

    def generate(self, sizes: dict[str, int], seed: int) -> dict[str, Trials]:
        raise NotImplementedError


def last_step_trials(inputs: np.ndarray, labels: np.ndarray, conditions: dict) -> Trials:
    """``Trials`` supervised at the last step only: labels (n, O) become targets (n, T, O) zero but at
    the last step, mask and decision 1 there alone."""
    n, n_steps = inputs.shape[:2]
    targets = np.zeros((n, n_steps, labels.shape[1]), np.float32)
    targets[:, -1] = labels
    mask = np.zeros((n, n_steps), np.float32)
    mask[:, -1] = 1.0
    return Trials(inputs, targets, mask, mask.astype(bool), conditions)


def maze_conditions(maze_id: np.ndarray) -> dict[str, np.ndarray]:
    """Per-trial conditions of maze problems ``maze_id`` (n,): the problem, its goal (0-3 over
    ``GOAL_LOCATIONS``), the offered pair (index into ``CHOICE_PAIRS``), the correct direction (0-3)."""
    maze = np.asarray(maze_id, np.int64)
    return {
        "maze_id": maze,
        "goal": goal_index()[maze],
        "choice_options": choice_pair_code()[maze],
        "correct_choice": answer_index()[maze],
    }


@dataclass(frozen=True)
class MazeTask(Task):
    """The maze task (``generate``) as a ``Task``; ``shuffled`` = the random-task control (the labels
    permuted over trials, the conditions still those of the problems shown)."""

    goal_steps: int = 20
    delay_steps: int = 10
    choice_steps: int = 20
    shuffled: bool = False
    n_inputs = N_INPUTS
    n_outputs = N_OUTPUTS
    loss = "cross_entropy"
    last_step_only = True

    @property
    def n_steps(self) -> int:
        return self.goal_steps + self.delay_steps + self.choice_steps

    def generate(self, sizes: dict[str, int], seed: int) -> dict[str, Trials]:
        splits = generate(sizes, self.goal_steps, self.delay_steps, self.choice_steps, seed)
        key = "shuffled_labels" if self.shuffled else "labels"
        return {
            s: last_step_trials(d["inputs"], d[key], maze_conditions(d["maze_id"])) for s, d in splits.items()
        }


def make_task(name: str, dataset: dict) -> Task:
    """The task of a population: ``name`` "maze" or "random" with the ``dataset`` config section's
    period lengths (a NeuroGym task: ``sernn.neurogym_task.from_config``)."""
    if name not in ("maze", "random"):
        raise ValueError(f"unknown task {name!r}; expected maze or random")
    steps = {k: int(dataset[k]) for k in ("goal_steps", "delay_steps", "choice_steps")}
    return MazeTask(**steps, shuffled=name == "random")
