"""Benchmark: the disk a run takes and what its chunk records cost.

Run:  .venv/bin/python benchmarks/disk.py [--results DIR] [--no-paper-check]

1. Bytes per network of every stage of a finished run: ``--results`` (a results directory), or else
   the embedded default config run here from scratch with keep_activity true (so that the activity,
   a temporary intermediate by default, is measured too). Also what those bytes make for the paper
   preset's number of networks, with activity removed (the default) and kept.
2. The records' cost: hashing every chunk directory of that run again as its job does last
   (``sernn.manifest.write_record`` into a copy), against the run's wall time when it ran here.
3. The parse-time check on the paper preset's dry run (``snakemake -n --configfile
   config/paper.yaml``): a results directory holding every chunk directory of the preset with its
   files and record (empty files: the quick check only stats them), against the same dry run with
   no results directory, side by side.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402

sys.path.insert(0, str(REPO / "src"))
from sernn import config as sc  # noqa: E402
from sernn import manifest  # noqa: E402

CHUNK_STAGES = ("networks", "binarised", "metrics", "activity", "activity_noisy", "function", "generative")


def snakemake(workdir: Path, *args: str) -> float:
    """Run the repo's workflow in ``workdir``; returns its wall time in seconds."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir)]
    t0 = time.perf_counter()
    subprocess.run(cmd + ["--cores", "2", *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - t0


def n_networks(results: Path) -> int:
    """Networks of a run: seeds in every networks file."""
    n = 0
    for path in (results / "networks").rglob("*.h5"):
        with h5py.File(path, "r") as f:
            n += sum(1 for k in f if k.startswith("seed"))
    return n


def stage_bytes(results: Path) -> dict[str, int]:
    """Bytes of every chunk stage's files (records not counted), the dataset and the summary."""
    out = {s: sum(p.stat().st_size for p in (results / s).rglob("*.h5")) for s in CHUNK_STAGES}
    out["dataset"] = (results / "dataset.h5").stat().st_size
    out["summary"] = sum(p.stat().st_size for p in (results / "summary").rglob("*") if p.is_file())
    return out


def paper_populations() -> tuple[int, dict]:
    cfg = sc.compose(sc.load_yaml(REPO / "config.yaml"), {"preset": "paper"}, REPO / "config")
    cfg = sc.validate(cfg, REPO / "workflow" / "schemas" / "config.schema.yaml")
    pops = sc.populations(cfg)
    return len(cfg["seeds"]) * sum(len(p["labels"]) for p in pops.values()), pops


def disk(results: Path) -> None:
    n = n_networks(results)
    sizes = stage_bytes(results)
    n_paper, _ = paper_populations()
    print(f"bytes per network of {results} ({n} networks):")
    per = {}
    for stage, b in sizes.items():
        if stage in CHUNK_STAGES:
            per[stage] = b / n
            print(f"  {stage:<15s} {b / n / 1e6:9.3f} MB per network ({b / 1e6:8.2f} MB in all)")
        else:
            print(f"  {stage:<15s} {b / 1e6:9.3f} MB per run")
    kept = sum(per.values())
    removed = kept - per["activity"] - per["activity_noisy"]
    print(
        f"  at the paper preset's {n_paper} networks (this run's settings): "
        f"{removed * n_paper / 1e9:.2f} GB with activity removed (keep_activity false), "
        f"{kept * n_paper / 1e9:.2f} GB with it kept"
    )


def hashing(results: Path, wall: float | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "results"
        shutil.copytree(results, copy, symlinks=True)
        dirs = [d for s in CHUNK_STAGES for d in sorted((copy / s).glob("*/c*-n*")) if d.is_dir()]
        nbytes = sum(p.stat().st_size for d in dirs for p in d.glob("*.h5"))
        t0 = time.perf_counter()
        for d in dirs:
            manifest.write_record(d)
        seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        checks = manifest.scan({str(d): [] for d in dirs})
        quick = time.perf_counter() - t0
    assert not any(c.problems for c in checks)
    line = (
        f"records: hashing {len(dirs)} chunk directories ({nbytes / 1e6:.1f} MB) took {seconds:.3f} s "
        f"({nbytes / 1e6 / seconds:.0f} MB/s); checking them all (quick: sizes, times) {quick * 1e3:.1f} ms"
    )
    if wall:
        line += f"; the run itself took {wall:.1f} s (hashing {100 * seconds / wall:.2f} % of it)"
    print(line)


def fake_paper_results(root: Path, pops: dict) -> int:
    """Every chunk directory of the paper preset under root/results, each with its (empty) files and
    a record. Returns the number of directories."""
    n = 0
    for stage in CHUNK_STAGES:
        for name, pop in pops.items():
            for chunk, labels in pop["chunks"].items():
                d = root / "results" / stage / name / chunk
                d.mkdir(parents=True)
                for lab in labels:
                    (d / f"{lab}.h5").touch()
                manifest.write_record(d)
                n += 1
    return n


def paper_check(repeats: int = 3) -> None:
    _, pops = paper_populations()
    with tempfile.TemporaryDirectory() as tmp:
        with_records, empty = Path(tmp) / "records", Path(tmp) / "empty"
        empty.mkdir()
        n_dirs = fake_paper_results(with_records, pops)
        args = ("-n", "--configfile", str(REPO / "config" / "paper.yaml"))
        times = {"no results": [], "every chunk recorded": []}
        for _ in range(repeats):  # side by side
            times["no results"].append(snakemake(empty, *args))
            times["every chunk recorded"].append(snakemake(with_records, *args))
        t0 = time.perf_counter()
        manifest.scan({str(d): [] for d in (with_records / "results").glob("*/*/c*-n*")})
        scan = time.perf_counter() - t0
    per_stage = n_dirs // len(CHUNK_STAGES)
    print(f"paper preset dry run, {n_dirs} chunk directories ({per_stage} per stage), {repeats} runs:")
    for k, v in times.items():
        print(f"  {k:<22s} median {statistics.median(v):.2f} s (min {min(v):.2f}, max {max(v):.2f})")
    print(f"  the check alone (sernn.manifest.scan of every directory): {scan * 1e3:.1f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", type=Path, default=None, help="a finished run's results directory")
    p.add_argument("--no-paper-check", action="store_true", help="skip the paper preset's dry runs")
    a = p.parse_args()
    wall = None
    with tempfile.TemporaryDirectory() as tmp:
        results = a.results
        if results is None:
            wall = snakemake(Path(tmp), "--config", "keep_activity=True")
            results = Path(tmp) / "results"
            print(f"default config run here from scratch (keep_activity true): {wall:.1f} s")
        disk(results)
        hashing(results, wall)
    if not a.no_paper_check:
        paper_check()


if __name__ == "__main__":
    main()
