"""Chunk records (``sernn.manifest``): a file lost or altered inside a chunk directory is noticed,
named and remade with everything downstream (workflow/rules/integrity.smk), a job meeting one stops
(``sernn.jobs.recorded``), and a removed temporary intermediate (activity) is not damage. Proved on
copies of the shared tiny run (timestamps kept), damaged as a disk or copy accident would."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import CHUNK_RULES, h5_differences, job_counts, result_file, snakemake

from sernn import jobs, manifest, storage

# -- the record itself ----------------------------------------------------------------------------


def _chunk(tmp_path: Path) -> Path:
    d = tmp_path / "chunk"
    d.mkdir()
    (d / "a.h5").write_bytes(bytes(range(256)) * 64)
    (d / "b.h5").write_bytes(b"b" * 1000)
    (d / ".snakemake_timestamp").touch()
    manifest.write_record(d)
    return d


def test_record_lists_the_jobs_files(tmp_path):
    d = _chunk(tmp_path)
    record = manifest.read_record(d)
    assert sorted(record["files"]) == ["a.h5", "b.h5"]  # not the record, not Snakemake's timestamp
    assert record["files"]["b.h5"]["size"] == 1000
    assert record["files"]["a.h5"]["blake2b"] == manifest.content_hash(d / "a.h5")
    assert [p.name for p in d.iterdir() if p.name.endswith(".tmp")] == []


def test_quick_check_hashes_only_what_moved(tmp_path):
    d = _chunk(tmp_path)
    c = manifest.check(d, ["a.h5", "b.h5"])
    assert (c.record, c.problems, c.hashed) == (True, [], 0)
    os.utime(d / "a.h5", ns=(0, 10**18))  # touched (a copy without timestamps): same bytes
    c = manifest.check(d)
    assert (c.problems, c.hashed, c.hashed_bytes) == ([], 1, 256 * 64)


@pytest.mark.parametrize(
    "damage, says",
    [
        (lambda d: os.truncate(d / "a.h5", 4096), "a.h5' has 4096 bytes, its record 16384"),
        (lambda d: (d / "b.h5").write_bytes(b"c" * 1000), "b.h5' was altered"),
        (lambda d: (d / "b.h5").unlink(), "b.h5' is missing"),
        (lambda d: (d / manifest.RECORD).write_text("{"), "is unreadable"),
    ],
    ids=["truncated", "same-size-edit", "deleted", "record-garbled"],
)
def test_check_names_the_damaged_file(tmp_path, damage, says):
    d = _chunk(tmp_path)
    damage(d)
    c = manifest.check(d)
    assert len(c.problems) == 1 and says in c.problems[0], c.problems
    with pytest.raises(manifest.RecordMismatch, match="no longer holds what its job wrote"):
        manifest.verify(d)


def test_without_a_record_nothing_is_checked(tmp_path):
    """A directory without a record: written before records existed or by a job that did not
    finish (Snakemake remakes those itself); not damage."""
    d = tmp_path / "old"
    d.mkdir()
    (d / "0.1.h5").write_bytes(b"x")
    c = manifest.check(d, ["0.1.h5", "0.3.h5"])
    assert (c.record, c.problems) == (False, [])
    manifest.write_record(d)
    assert "0.3.h5' is missing" in manifest.check(d, ["0.1.h5", "0.3.h5"]).problems[0]
    assert [c.directory for c in manifest.scan({str(d): [], str(tmp_path / "gone"): ["x.h5"]})] == [d]


# -- on the shared tiny run -----------------------------------------------------------------------


def copy_run(tiny_run: Path, dst: Path) -> Path:
    """A copy of the finished tiny run, timestamps kept (what `cp -a` or `rsync -a` make)."""
    shutil.copytree(tiny_run, dst, symlinks=True)
    return dst


def nan_last_snapshot(path: Path) -> None:
    """NaN into seed 0's last recurrent snapshot, in place: the file keeps its size."""
    with h5py.File(path, "r+") as f:
        rec = f["seed0"]["recurrent"]
        last = rec[-1]
        last[:] = np.nan
        rec[-1] = last


def replace_with_binarised(path: Path) -> None:
    """The metrics file replaced by another HDF5 file of the run (the same strength's binarised)."""
    shutil.copyfile(str(path).replace("/metrics/", "/binarised/"), path)


DOWN_NETWORKS = dict.fromkeys(CHUNK_RULES[1:], 1)
#: case -> (stage, damage, jobs of CHUNK_RULES the rerun makes)
CASES = {
    "networks-truncated": ("networks", lambda p: os.truncate(p, 4096), {"train": 1, **DOWN_NETWORKS}),
    "networks-nan": ("networks", nan_last_snapshot, {"train": 1, **DOWN_NETWORKS}),
    "binarised-truncated": (
        "binarised",
        lambda p: os.truncate(p, 4096),
        {"binarise": 1, "compute_metrics": 1, "fit_generative": 1},
    ),
    "metrics-replaced": ("metrics", replace_with_binarised, {"compute_metrics": 1}),
    "generative-truncated": ("generative", lambda p: os.truncate(p, 4096), {"fit_generative": 1}),
    "activity-deleted": ("activity", Path.unlink, {"record_activity": 1, "compute_function": 1}),
}


def assert_same_summary(a: Path, b: Path) -> None:
    """Every file under results/summary of two runs byte for byte equal."""
    fa = sorted(p.relative_to(a) for p in (a / "results" / "summary").rglob("*") if p.is_file())
    fb = sorted(p.relative_to(b) for p in (b / "results" / "summary").rglob("*") if p.is_file())
    assert fa and fa == fb
    differ = [str(r) for r in fa if (a / r).read_bytes() != (b / r).read_bytes()]
    assert not differ, f"summary files differ: {differ}"


def assert_nothing_to_do(work: Path, *args: str) -> None:
    out = snakemake(work, "-n", *args)
    text = out.stdout + out.stderr
    assert "Nothing to be done" in text and "DAMAGED" not in text, text[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_damaged_chunk_is_named_and_remade(tiny_run, tmp_path, case):
    stage, damage, remade = CASES[case]
    work = copy_run(tiny_run, tmp_path / "run")
    path = result_file(work, stage, "seRNN", "0.1")
    size = path.stat().st_size
    damage(path)
    if case == "networks-nan":
        assert path.stat().st_size == size  # only the content hash can tell
    out = snakemake(work)  # the same command again: exit 0
    text = out.stdout + out.stderr
    rel = str(path.relative_to(work))
    assert f"DAMAGED chunk {Path(rel).parent}: '{rel}'" in text, text[-3000:]
    assert rel in (work / "results" / "logs" / "integrity.log").read_text()
    counts = job_counts(text)
    assert {r: counts.get(r, 0) for r in CHUNK_RULES} == {r: remade.get(r, 0) for r in CHUNK_RULES}
    assert (work / "results" / "damaged" / stage / "seRNN" / path.parent.name).is_dir()  # set aside
    original = result_file(tiny_run, stage, "seRNN", "0.1")
    assert h5_differences(original, path)[0] == []  # remade as it was
    assert_same_summary(tiny_run, work)
    assert_nothing_to_do(work)


@pytest.mark.slow
def test_dry_run_names_the_damage_and_changes_nothing(tiny_run, tmp_path):
    work = copy_run(tiny_run, tmp_path / "run")
    path = result_file(work, "binarised", "L1", "0.01")
    os.truncate(path, 4096)
    out = snakemake(work, "-n")
    text = out.stdout + out.stderr
    assert f"'{path.relative_to(work)}' has 4096 bytes" in text and "dry run" in text
    assert path.stat().st_size == 4096 and not (work / "results" / "damaged").exists()


@pytest.mark.slow
def test_temporary_activity_removed_is_not_damage(tiny_run, tmp_path):
    """keep_activity false (the default): activity is removed once its chunk's function tables are
    written, and a later run neither calls that damage nor remakes anything."""
    work = copy_run(tiny_run, tmp_path / "run")
    os.truncate(result_file(work, "networks", "L1", "0.01"), 4096)
    snakemake(work, "--config", "keep_activity=False")
    chunk = result_file(tiny_run, "activity", "L1", "0.01").parent.name
    for stage in ("activity", "activity_noisy"):  # remade, read, removed
        assert not (work / "results" / stage / "L1" / chunk).exists()
        assert (work / "results" / stage / "seRNN").is_dir()  # not remade: left as the tiny run kept it
    assert_same_summary(tiny_run, work)
    assert_nothing_to_do(work, "--config", "keep_activity=False")
    for stage in ("activity", "activity_noisy"):  # as at the end of a default run
        shutil.rmtree(work / "results" / stage)
    assert_nothing_to_do(work, "--config", "keep_activity=False")


@pytest.mark.slow
def test_job_meeting_a_changed_input_stops_naming_it(tiny_run, tmp_path):
    """A file altered after the workflow's check (while the run goes on): the consumer job stops
    with a FormatError naming it; an unchanged input passes and the job's outputs get records."""
    work = copy_run(tiny_run, tmp_path / "run")
    networks = result_file(work, "networks", "seRNN", "0.01")
    out = tmp_path / "out"
    with jobs.job(None, [networks.parent, work / "results" / "dataset.h5"], [out]):
        out.mkdir()
        (out / "0.01.h5").write_bytes(b"made")
    assert list(manifest.read_record(out)["files"]) == ["0.01.h5"]
    nan_last_snapshot(networks)
    with pytest.raises(storage.FormatError, match=f"'{networks}' was altered"):
        with jobs.job(None, [networks.parent], []):
            pytest.fail("the job ran on an altered input")
