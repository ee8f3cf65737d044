"""Shared helpers: running the workflow with Snakemake, and reading HDF5 trees for comparison."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from sernn import manifest

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"
TINY = REPO / "tests" / "configs" / "tiny.yaml"

#: The per-network rules (one job per chunk of networks) and the local (summary) rules.
CHUNK_RULES = (
    "train",
    "binarise",
    "compute_metrics",
    "record_activity",
    "compute_function",
    "fit_generative",
)
SUMMARY_RULES = ("aggregate", "claims", "comparison", "plot_figures", "plot_examples", "plot_generative")

# Attributes that record when/where/how fast a file was written: not reproducible by nature.
VOLATILE_ATTRS = {"created", "hostname", "epoch_seconds"}


def snakemake_command(workdir: Path, *args: str, configfile: Path | None = TINY) -> list[str]:
    """The command line running the repo's workflow in ``workdir`` (outputs under workdir/results)
    with the venv's Snakemake, 2 cores and the repo's default profile."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "--directory", str(workdir)]
    cmd += ["--cores", "2", *args]
    if configfile:  # last: --configfile takes several values
        cmd += ["--configfile", str(configfile)]
    return cmd


def snakemake(
    workdir: Path, *args: str, configfile: Path | None = TINY, check: bool = True, timeout: float = 1200
) -> subprocess.CompletedProcess:
    """Run ``snakemake_command`` to completion; raise with its output's tail when it fails."""
    cmd = snakemake_command(workdir, *args, configfile=configfile)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        )
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


def dry_run_jobs(output: str) -> list[dict]:
    """The jobs a Snakemake dry run (``-n``) lists, in its order: {"rule": name, "wildcards": {...},
    "resources": {...}} each (values as printed, strings), the members of group jobs too."""
    jobs = []
    for block in re.split(r"\n(?=[ \t]*(?:local)?(?:rule|checkpoint) \w+:\n)", output):
        head = re.match(r"[ \t]*(?:local)?(?:rule|checkpoint) (\w+):\n", block)
        if not head:
            continue
        job = {"rule": head.group(1), "wildcards": {}, "resources": {}}
        for key in ("wildcards", "resources"):
            line = re.search(rf"^\s+{key}: (.*)$", block, re.M)
            if line:
                job[key] = dict(item.split("=", 1) for item in line.group(1).split(", "))
        jobs.append(job)
    return jobs


def _same(a, b) -> bool:
    """Bitwise equality of two HDF5 values (arrays by bytes, strings/objects by value)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind == "O":
            return a.tolist() == b.tolist()
        return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
    return type(a) is type(b) and a == b


def h5_differences(pa: Path, pb: Path, rel: str = "") -> tuple[list[str], int]:
    """Every difference between two HDF5 files: objects, attributes (but ``VOLATILE_ATTRS``),
    dataset shapes, dtypes and bytes. Returns (problems, number of datasets compared)."""
    problems, n = [], 0
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        objs_a, objs_b = {"/": fa}, {"/": fb}
        fa.visititems(objs_a.__setitem__)
        fb.visititems(objs_b.__setitem__)
        if objs_a.keys() != objs_b.keys():
            problems.append(f"{rel}: objects differ: {sorted(objs_a.keys() ^ objs_b.keys())}")
        for name in sorted(objs_a.keys() & objs_b.keys()):
            oa, ob = objs_a[name], objs_b[name]
            where = f"{rel}:{name}"
            keys = (set(oa.attrs) | set(ob.attrs)) - VOLATILE_ATTRS
            for k in sorted(keys):
                if k not in oa.attrs or k not in ob.attrs or not _same(oa.attrs[k], ob.attrs[k]):
                    problems.append(f"{where}: attribute {k!r} differs")
            if isinstance(oa, h5py.Dataset):
                n += 1
                if not isinstance(ob, h5py.Dataset) or not _same(oa[()], ob[()]):
                    problems.append(f"{where}: dataset differs")
    return problems, n


def assert_h5_trees_identical(a: Path, b: Path) -> int:
    """Every .h5 file under ``a`` and ``b``: the same files, the same objects, datasets bit for bit
    equal, attributes equal but the volatile ones. Returns the number of datasets compared."""
    fa = sorted(p.relative_to(a) for p in a.rglob("*.h5"))
    fb = sorted(p.relative_to(b) for p in b.rglob("*.h5"))
    assert fa, f"no HDF5 files under {a}"
    assert fa == fb, f"different files: {sorted(set(fa) ^ set(fb))}"
    problems, n = [], 0
    for rel in fa:
        p, k = h5_differences(a / rel, b / rel, str(rel))
        problems += p
        n += k
    assert not problems, "results differ:\n" + "\n".join(problems[:50])
    return n


def result_file(work: Path, stage: str, regulariser: str, label: str) -> Path:
    """The file of one strength of a population at one stage of a run in ``work``: it lies in the
    directory of the chunk holding that strength, ``results/<stage>/<regulariser>/<chunk>/<label>.h5``."""
    matches = sorted((Path(work) / "results" / stage / regulariser).glob(f"c*-n*/{label}.h5"))
    assert len(matches) == 1, f"{stage}/{regulariser}: {len(matches)} chunk files for strength {label}"
    return matches[0]


def assert_results_identical(a: Path, b: Path) -> int:
    """Two results directories hold the same outputs: every HDF5 file as in
    ``assert_h5_trees_identical``, every other file (CSV, Parquet, PNG) byte for byte; logs,
    Snakemake's bookkeeping and the chunk records are skipped. Returns the number of datasets and
    files compared."""
    n = assert_h5_trees_identical(a, b)

    def others(root: Path) -> list[Path]:
        return sorted(
            p.relative_to(root)
            for p in root.rglob("*")
            if p.is_file()
            and p.suffix != ".h5"
            and p.name != manifest.RECORD  # bookkeeping, like the logs: times of this run
            and "logs" not in p.relative_to(root).parts
        )

    fa, fb = others(a), others(b)
    assert fa == fb, f"different files: {sorted(set(fa) ^ set(fb))}"
    differ = [str(rel) for rel in fa if (a / rel).read_bytes() != (b / rel).read_bytes()]
    assert not differ, f"files differ: {differ}"
    return n + len(fa)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The tiny config run once to completion; returns the working directory."""
    work = tmp_path_factory.mktemp("tiny")
    snakemake(work)
    return work
