"""Three Yang et al. (2019) tasks through NeuroGym, seRNN and L1, end to end through Snakemake
(tests/configs/neurogym.yaml): the task files, per-step networks, structural measures, and a rerun
from scratch bit-identical."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, assert_results_identical, result_file, snakemake

pytestmark = pytest.mark.slow

CONFIG = REPO / "tests" / "configs" / "neurogym.yaml"
CFG = yaml.safe_load(CONFIG.read_text())


@pytest.fixture(scope="module")
def neurogym_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("neurogym")
    snakemake(work, configfile=CONFIG)
    return work


def test_task_files_networks_and_measures(neurogym_run):
    res = neurogym_run / "results"
    assert not (res / "dataset.h5").exists()  # no maze population: no maze dataset
    for name, entry in CFG["regularisers"].items():
        with h5py.File(res / "tasks" / f"{name}.h5") as f:
            x, y, m = (f["train"][k][()] for k in ("inputs", "targets", "mask"))
            assert x.shape[0] == 128 and x.shape[2] == 33 and y.shape == x.shape[:2] + (17,)
            assert m.shape == x.shape[:2] and set(np.unique(m)) <= {0.0, 1.0} and m[:, 0].all()
            assert "ground_truth" in f["train"]["conditions"] or "theta1" in f["train"]["conditions"]
            assert f.attrs["seed"] == 5 and entry["task"]["neurogym"] in f.attrs["task"]
        label = f"{entry['strengths'][0]:g}"
        with h5py.File(result_file(neurogym_run, "networks", name, label)) as f:
            g = f["seed0"]
            assert g["input_kernel"].shape == (33, 27) and g["output_kernel"].shape == (27, 17)
            assert entry["task"]["neurogym"] in f.attrs["task"]
    summary = pd.read_csv(res / "summary" / "metrics.csv")
    assert set(summary["regulariser"]) == set(CFG["regularisers"])
    last = summary[summary["epoch"] == 2]
    for col in ("modularity_weighted", "weight_entropy", "topological_entropy", "spectral_radius"):
        assert last[col].notna().all(), col
    assert (res / "summary" / "comparison.csv").stat().st_size > 0


def test_rerun_from_scratch_is_bit_identical(neurogym_run, tmp_path):
    snakemake(tmp_path, configfile=CONFIG)
    assert assert_results_identical(neurogym_run / "results", tmp_path / "results") > 30
