"""Benchmark: core-seconds per network of the whole pipeline on a slice of the paper preset, one job
per network (chunk_size 1, the layout before chunking) against chunked jobs (the paper preset's
chunk_size), side by side in one run.

Run:  .venv/bin/python benchmarks/chunks.py [--strengths 32] [--chunk-size 32] [--cores 2]
                                            [--gnm off|default|paper]

The slice: config/paper.yaml (10 epochs, 1,000 nulls, 5,120 training problems) with its seRNN and
L1 populations cut to ``--strengths`` strengths each, evenly spread over the paper's range (64
networks by default). Each side runs from scratch (after set-up) with Snakemake in a fresh process;
core-seconds are the user + system CPU time of Snakemake and every job it ran (``getrusage`` of the
children), divided by the number of networks. GNM fits are off by default: the authors' search
(``--gnm paper``: 13 rules x 1,000 samples) alone costs ~23 core-seconds per fitted network
(benchmarks/generative.py), whatever the job layout; ``--gnm default`` uses config.yaml's search.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO  # noqa: E402


def slice_config(n_strengths: int, chunk_size: int, gnm: str) -> dict:
    """The paper preset with seRNN and L1 cut to ``n_strengths`` strengths each."""
    strengths = [float(s) for s in np.linspace(0.001, 0.3, 1001)[:: 1000 // (n_strengths - 1)][:n_strengths]]
    cfg = {
        "preset": "paper",
        "chunk_size": chunk_size,
        "regularisers": {"seRNN": {"strengths": strengths}, "L1": {"strengths": strengths}},
    }
    if gnm == "off":
        cfg["generative"] = {"enabled": False}
    elif gnm == "default":
        defaults = yaml.safe_load((REPO / "config.yaml").read_text())["generative"]
        cfg["generative"] = {k: defaults[k] for k in ("levels", "samples")}
    return cfg


def run(cfg: dict, cores: int) -> dict:
    """One run from scratch: wall seconds, core-seconds (Snakemake and its jobs) and job count."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "slice.yaml"
        path.write_text(yaml.safe_dump({**cfg, "results": str(Path(tmp) / "results")}))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "snakemake", "--cores", str(cores), "--configfile", str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        jobs = re.search(r"(\d+) of \d+ steps \(100%\) done", proc.stdout + proc.stderr)
        return {"wall": wall, "cpu": cpu, "jobs": int(jobs.group(1)) if jobs else -1}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--strengths", type=int, default=32, help="strengths per population (2 populations)")
    p.add_argument("--chunk-size", type=int, default=32, help="the chunked side's chunk_size")
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    p.add_argument("--gnm", choices=("off", "default", "paper"), default="off")
    args = p.parse_args()
    n = 2 * args.strengths
    sides = {}
    for name, size in (("one job per network", 1), (f"chunks of {args.chunk_size}", args.chunk_size)):
        sides[name] = run(slice_config(args.strengths, size, args.gnm), args.cores)
        r = sides[name]
        print(
            f"{name:<22s} {r['jobs']:4d} jobs  wall {r['wall']:7.1f} s  "
            f"{r['cpu'] / n:6.2f} core-s per network  ({n} networks, {args.cores} cores, GNM {args.gnm})",
            flush=True,
        )
    (a, b) = sides.values()
    print(
        f"chunked / per network: core-s x{b['cpu'] / a['cpu']:.2f}, wall x{b['wall'] / a['wall']:.2f}, "
        f"jobs x{b['jobs'] / a['jobs']:.2f}; target: at most 5 core-s per network "
        f"({'met' if b['cpu'] / n <= 5 else 'missed'})"
    )


if __name__ == "__main__":
    main()
