"""The benchmarks' timing anchor (benchmarks/notebook_baseline.py) does the notebook's task: its
slow generator gives, trial by trial, the problems sernn.task defines."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from sernn import task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import notebook_baseline  # noqa: E402


def test_baseline_sessions_are_the_task_problems_in_the_drawn_order():
    np.random.seed(7)
    order = np.random.randint(0, 8, 50)
    np.random.seed(7)
    inputs, labels = notebook_baseline.NotebookMazes(3, 2, 4).session(50)
    assert inputs.shape == (50, 9, 8) and labels.shape == (50, 4)
    np.testing.assert_array_equal(inputs, task.problem_templates(3, 2, 4)[order])
    np.testing.assert_array_equal(labels, task.answer_one_hot()[order])
