"""Benchmark driver: every stage against the notebook's code where one exists (GNMs: against the
tests' numpy reference and bctpy, benchmarks/generative.py, with the paper preset's search), the
whole default run
against the sum of its training times (pipeline.py), then a projection of
the paper-scale preset (config/paper.yaml) onto this kind of machine and onto a cluster.

Run:  .venv/bin/python benchmarks/run_all.py [--reference SCRIPT | --no-reference]
          [--repeats 3] [--nodes 10] [--cores-per-node 32]
(`make bench` runs it as it is.) The notebook's side is benchmarks/notebook_baseline.py (the demo
notebook's algorithm, the timing anchor) unless --reference names another script with the same
command line and JSON line.

Each stage runs in its own process (so each pays its own imports); the printed speedups are
reference / ours of the same run, pair by pair. Machines are noisy: trust ratios, not single times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


def run_stage(script: str, args: list[str]) -> list[dict]:
    print(f"\n== {script} {' '.join(args)}", flush=True)
    proc = subprocess.run([sys.executable, str(HERE / script)] + args, capture_output=True, text=True)
    rows = []
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            rows.append(json.loads(line[7:]))
        else:
            print(line)
    if proc.returncode:
        print(proc.stderr[-3000:])
        raise SystemExit(f"{script} failed")
    return rows


def startup_seconds(repeats: int) -> dict[str, float]:
    """Median wall time of a fresh interpreter importing what a job needs before it works: the
    train job (the package and TensorFlow) and the per-network analysis jobs (the package with its
    metrics and function modules)."""
    imports = {
        "train": "import sernn.steps.training; from sernn import training; training.configure_tensorflow(1)",
        "analysis": "import sernn.steps.structure, sernn.steps.function, sernn.metrics, sernn.function",
    }
    out = {}
    for name, code in imports.items():
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", f"import sys; sys.path.insert(0, 'src'); {code}"],
                cwd=HERE.parent,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times)
        print(f"job start-up, {name}: {out[name]:.2f} s (fresh interpreter + imports)")
    return out


def paper_config() -> dict:
    """config/paper.yaml composed over the default and validated (defaults filled)."""
    from sernn import config as sc

    repo = HERE.parent
    cfg = sc.compose(sc.load_yaml(repo / "config.yaml"), {"preset": "paper"}, repo / "config")
    return sc.validate(cfg, repo / "workflow" / "schemas" / "config.schema.yaml")


def projection(
    rows: dict[str, dict], startup: dict[str, float], nodes: int, cores_per_node: int, train_threads: int = 1
) -> None:
    """CPU-hours of config/paper.yaml from the measured per-network costs."""
    from sernn import config as sc

    cfg = paper_config()
    pops = sc.populations(cfg).values()
    n_networks = sum(len(p["strengths"]) for p in pops) * len(cfg["seeds"])
    n_chunks = sum(len(p["chunks"]) for p in pops)
    # networks of a chunk train side by side in stacks of training.stack (8): the stacked figure
    stacked = rows.get("training, 8 stacked (per network)")
    train = (stacked or rows["training"])["ours_s"]
    metrics = rows["metrics: network_metrics x 11 epochs"]["ours_s"]
    func = (
        rows["function: record activity (640 trials)"]["ours_s"]
        + rows["function: all measures, 1 epoch"]["ours_s"]
    )
    gen = cfg["generative"]
    fit = next((r for name, r in rows.items() if name.startswith("generative: full fit")), None)
    n_fits = len(gen.get("epochs") or [cfg["analysis"]["epoch"]]) if gen["enabled"] and fit else 0
    gnm = n_fits * fit["ours_s"] * len(gen["rules"]) / 13 if n_fits else 0.0  # 13 rules were timed
    n_rules = 5 + (n_fits > 0)  # train, binarise, metrics, activity, function (+ fit_generative)
    # one start-up per chunk and rule, shared by the chunk's networks
    job_overhead = (startup["train"] + (n_rules - 1) * startup["analysis"]) * n_chunks / n_networks
    per_network_core_s = train * train_threads + metrics + func + gnm + job_overhead
    cpu_hours = n_networks * per_network_core_s / 3600
    cores_here = os.cpu_count() or 1
    cluster_cores = nodes * cores_per_node
    print(
        f"\n== projection for config/paper.yaml: {n_networks} networks x {cfg['training']['epochs']} "
        f"epochs, {cfg['metrics']['n_nulls']} nulls, {n_chunks} chunks of up to {cfg['chunk_size']}"
    )
    print(
        f"per network: training {train:.1f} s ({'8 stacked' if stacked else 'alone'}, {train_threads} "
        f"thread(s)), metrics (11 epochs) {metrics:.1f} s, function {func:.1f} s, GNM fits {gnm:.1f} s "
        f"({n_fits} epoch(s) x {len(gen['rules'])} rules x {gen['levels']} x {gen['samples']} samples, as if "
        f"every network passed the accuracy filter), job start-up {job_overhead:.2f} s (measured imports, "
        f"{n_rules} jobs per chunk)"
    )
    print(
        f"CPU-hours: {cpu_hours:.1f} (core-seconds per network {per_network_core_s:.1f}; without GNM fits "
        f"{per_network_core_s - gnm:.1f})"
    )
    print(f"one {cores_here}-core machine like this one: ~{cpu_hours / cores_here:.1f} h wall")
    print(
        f"cluster of {nodes} nodes x {cores_per_node} cores: ~{cpu_hours * 60 / cluster_cores:.0f} min "
        f"of compute if every core is busy, plus queueing; {n_chunks * n_rules + 7 + (n_fits > 0)} "
        f"jobs, {n_chunks * (n_rules - 1) + 6 + (n_fits > 0)} SLURM jobs (binarise + compute_metrics of a "
        f"chunk grouped by profiles/slurm); the longest jobs are a chunk's GNM fits, "
        f"~{cfg['chunk_size'] * gnm / 60:.0f} min"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--reference", type=Path, default=HERE / "notebook_baseline.py")
    p.add_argument("--no-reference", dest="reference", action="store_const", const=None)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--nodes", type=int, default=10)
    p.add_argument("--cores-per-node", type=int, default=32)
    args = p.parse_args()
    ref = ["--reference", str(args.reference)] if args.reference else ["--no-reference"]
    rep = ["--repeats", str(args.repeats)]
    results = {}
    for row in run_stage("dataset.py", ref + rep):
        results[row["stage"]] = row
    for row in run_stage("training.py", ref + rep):
        results["training"] = row
    for row in run_stage("training.py", ref + rep + ["--threads", "2"]):
        results["training, 2 threads (2 lanes)"] = row
    for row in run_stage("training.py", ref + rep + ["--seeds", "4"]):
        results["training, 4 seeds stacked (per network)"] = row
    for row in run_stage("training.py", rep + ["--no-reference", "--seeds", "8"]):
        results["training, 8 stacked (per network)"] = row
    for row in run_stage("metrics.py", rep):
        results[row["stage"]] = row
    for row in run_stage("function.py", rep):
        results[row["stage"]] = row
    paper = paper_config()
    gnm_args = [
        "--fit-levels",
        str(paper["generative"]["levels"]),
        "--fit-samples",
        str(paper["generative"]["samples"]),
        "--skip-old",  # the projection needs today's cost only (the old one doubles the run)
    ]
    for row in run_stage("generative.py", rep + gnm_args):
        results[row["stage"]] = row
    for row in run_stage("pipeline.py", rep):
        results[row["stage"]] = row
    run_stage("chunks.py", [])  # a 64-network slice of the paper preset, per network vs chunked
    run_stage("disk.py", [])  # bytes per network of every stage; records and the chunk check
    print("\n== summary (speedup = reference / ours, median of pairs)")
    for name, row in results.items():
        extra = f"  speedup x{row['speedup']:.1f}" if "speedup" in row else ""
        print(f"{name:<42s} ours {row['ours_s']:.4f} s{extra}")
    print()
    startup = startup_seconds(args.repeats)
    projection(results, startup, args.nodes, args.cores_per_node)


if __name__ == "__main__":
    main()
