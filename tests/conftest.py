"""Shared helpers: running the workflow with Snakemake, and reading HDF5 trees for comparison."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"
TINY = REPO / "tests" / "configs" / "tiny.yaml"

# Attributes that record when/where/how fast a file was written: not reproducible by nature.
VOLATILE_ATTRS = {"created", "hostname", "epoch_seconds"}


def snakemake(workdir: Path, *args: str, configfile: Path | None = TINY, check: bool = True,
              timeout: float = 1200) -> subprocess.CompletedProcess:
    """Run the repo's workflow in ``workdir`` (outputs under workdir/results) with the venv's
    Snakemake and the repo's default profile."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "--directory", str(workdir),
           "--cores", "2"]
    cmd += list(args)
    if configfile:  # last: --configfile takes several values
        cmd += ["--configfile", str(configfile)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}")
    return proc


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a Snakemake (dry) run: rule -> number of jobs."""
    counts, inside = {}, False
    for line in output.splitlines():
        if line.startswith("Job stats:"):
            inside = True
            continue
        if inside:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                if parts[0] == "total":
                    break
                counts[parts[0]] = int(parts[1])
    return counts


def h5_tree(path: Path) -> dict[str, np.ndarray]:
    """Every dataset of an HDF5 file by its path, as numpy arrays."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return out


def assert_h5_trees_identical(a: Path, b: Path) -> int:
    """Every .h5 file under ``a`` and ``b``: the same files, datasets bit for bit equal (NaNs equal).
    Returns the number of datasets compared."""
    fa = sorted(p.relative_to(a) for p in a.rglob("*.h5"))
    fb = sorted(p.relative_to(b) for p in b.rglob("*.h5"))
    assert fa == fb, (fa, fb)
    n = 0
    for rel in fa:
        ta, tb = h5_tree(a / rel), h5_tree(b / rel)
        assert ta.keys() == tb.keys(), rel
        for k in ta:
            x, y = ta[k], tb[k]
            assert x.dtype == y.dtype and x.shape == y.shape, (rel, k)
            if x.dtype.kind in "fc":
                assert x.tobytes() == y.tobytes() or np.array_equal(x, y, equal_nan=True), (rel, k)
            else:
                assert np.array_equal(x, y), (rel, k)
            n += 1
    return n


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The tiny config run once to completion; returns the working directory."""
    work = tmp_path_factory.mktemp("tiny")
    snakemake(work)
    return work
