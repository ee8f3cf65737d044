"""Benchmark: generative network models (sernn.generative) side by side with the implementation of
commit OLD_REV (before the kernel rewrite of issue 21: its generative.py and graphs.py, extracted from
git into a temp dir, so the old energy uses the old betweenness), the plain
numpy reference (tests/gnm_reference.py, a faithful BCT port) and bctpy 0.6.1, in one process.

Run:  .venv/bin/python benchmarks/generative.py [--repeats 5] [--fit-samples 200] [--fit-levels 5]
          [--fit-threads 2] [--skip-fit] [--skip-old] [--blas-threads 1]

Prints median wall times (time.perf_counter) and ratios (other / ours, so larger = we are faster) of
1. one simulation per rule, n = 100 units on the 5x5x4 grid, m = 495 edges, empty seed, powerlaw
   (eta = -2, gamma = 0.5): sernn (with numpy's SVML powers where the CPU has them, and with
   libm's scalar powers, the fallback) vs the old implementation vs the numpy reference vs bctpy
   ``generative_model``. bctpy's output is wrong (see the docstring of sernn.generative: off-by-one
   draw, so fewer than m distinct edges and pair (0, 1) never formed; matching never updates
   K^gamma; neighbors updates the wrong columns; ...): it is timed only, and its distinct-edge count
   is printed. It raises IndexError in some runs (when it draws the last pair): such runs are
   retried with the next seed and counted;
2. the energy of one simulated network against a target: sernn and the old implementation (target
   statistics precomputed once, as in a fit; and from two adjacency matrices) vs bctpy degrees_und +
   clustering_coef_bu + betweenness_bin on both networks + 4 x scipy.stats.ks_2samp;
3. the authors' full fit of one network: 13 rules x levels x samples (default 5 x 200 = 13,000
   simulations and energies, Voronoi search included), old and new on one thread (new also with
   libm's scalar powers) and new on ``--fit-threads`` threads (rules fitted at once), CPU
   (time.process_time) and wall time, and whether the fits agree number for number.
Numba compilation is excluded (one warm-up call first). The old implementation is compiled afresh in
its temp dir each run. The machine may be shared: only ratios taken in the same run are meaningful.

``per_network_cost()`` returns the cost of one full fit for the benchmark driver (run_all.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

PARSER = argparse.ArgumentParser(description="sernn.generative vs numpy reference vs bctpy")
PARSER.add_argument("--repeats", type=int, default=5)
PARSER.add_argument("--fit-levels", type=int, default=5)
PARSER.add_argument("--fit-samples", type=int, default=200)
PARSER.add_argument("--fit-threads", type=int, default=2, help="threads of the threaded fit")
PARSER.add_argument("--skip-fit", action="store_true")
PARSER.add_argument("--skip-old", action="store_true", help="do not time the old implementation")
PARSER.add_argument(
    "--blas-threads",
    type=int,
    default=1,
    help="OPENBLAS_NUM_THREADS for this run (0 = leave the environment as is)",
)

if __name__ == "__main__":
    ARGS = PARSER.parse_args()
    if ARGS.blas_threads > 0:  # before numpy loads OpenBLAS
        os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.blas_threads)

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "src"))

BCTPY_NAMES = {"sptl": "euclidean"}  # bctpy has no 'sptl' (an unknown name returns zeros)
OLD_REV = "d3a1d470f90a189311fa02937378f36eb2cf4619"  # sernn.generative before issue 21


def load_old():
    """The modules src/sernn/generative.py and src/sernn/graphs.py of OLD_REV, imported from a temp
    dir as ``sernn_generative_old`` (which uses ``sernn_graphs_old`` for the betweenness and bit
    helpers, and sernn.binarise of this checkout), or None where git or the commit is not available
    (e.g. a tarball)."""
    import importlib.util
    import subprocess
    import tempfile

    def show(path: str) -> str:
        return subprocess.run(
            ["git", "-C", str(REPO), "show", f"{OLD_REV}:{path}"], check=True, capture_output=True, text=True
        ).stdout

    try:
        graphs_code = show("src/sernn/graphs.py")
        code = show("src/sernn/generative.py")
    except (OSError, subprocess.CalledProcessError) as err:
        print(f"old implementation not available ({err}); its columns are skipped")
        return None
    code = code.replace("from sernn import graphs as _graphs", "import sernn_graphs_old as _graphs")
    folder = Path(tempfile.mkdtemp(prefix="gnm_old_"))
    module = None
    for name, text in (("sernn_graphs_old", graphs_code), ("sernn_generative_old", code)):
        path = folder / f"{name}.py"
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # numba's cache and the import above look the module up by name
        spec.loader.exec_module(module)
    return module


def grid_distance() -> np.ndarray:
    """The seRNN cost matrix: Euclidean distances on the 5x5x4 unit grid (100 units)."""
    coords = np.array([(x, y, z) for x in range(5) for y in range(5) for z in range(4)], float)
    return np.linalg.norm(coords[:, None] - coords[None], axis=-1)


def _bctpy_run(D, m, rule, eta, gamma, seed) -> tuple[np.ndarray, int]:
    """One bctpy generative_model run; IndexError (its off-by-one on the last pair) -> next seed.
    Returns the adjacency and the number of failed seeds."""
    import bct

    failures = 0
    while True:
        try:
            B = bct.generative_model(
                np.zeros_like(D),
                D,
                m,
                [eta],
                [gamma],
                model_type=BCTPY_NAMES.get(rule, rule),
                epsilon=1e-5,
                seed=seed,
            )
            return (B[..., 0] if B.ndim == 3 else B), failures  # one parameter pair: (n, n)
        except IndexError:
            failures += 1
            seed += 1000


def _interleaved(fns, repeats: int) -> list[float]:
    """Median wall time of each function, the functions called in turn (so that load changes on a
    shared machine hit them alike)."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for t, fn in zip(times, fns):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times]


def scalar_powers(fn):
    """fn run with the kernels' scalar powers (libm), as on a machine without numpy's SVML."""
    from sernn.generative import vecmath

    def run(*args, **kwargs):
        saved = vecmath.POW8, vecmath.EXP8
        vecmath.POW8 = vecmath.EXP8 = 0
        try:
            return fn(*args, **kwargs)
        finally:
            vecmath.POW8, vecmath.EXP8 = saved

    return run


def bench_simulation(repeats: int, old, eta: float = -2.0, gamma: float = 0.5) -> list[dict]:
    import warnings

    from gnm_reference import simulate_reference

    from sernn import generative as gnm

    D = grid_distance()
    m = 495
    rows = []
    print(f"\n1. one simulation, n=100 grid, m={m}, eta={eta}, gamma={gamma}, median of {repeats}")
    print(
        f"{'rule':<10s} {'sernn ms':>9s} {'libm ms':>8s} {'old ms':>7s} {'x old':>6s} {'numpy ref ms':>13s} "
        f"{'x ref':>6s} "
        f"{'old x ref':>9s} {'bctpy ms':>9s} {'x bctpy':>8s}  bctpy distinct edges (of {m}), retries"
    )
    for rule in gnm.RULES:
        u = np.random.default_rng(1).random(m)
        ref = simulate_reference(D, m, rule, eta, gamma, u)
        same = np.array_equal(gnm.simulate(D, m, rule, eta, gamma, uniforms=u), ref)
        same_scalar = np.array_equal(scalar_powers(gnm.simulate)(D, m, rule, eta, gamma, uniforms=u), ref)
        fns = [
            lambda: gnm.simulate(D, m, rule, eta, gamma, seed=1),
            lambda: scalar_powers(gnm.simulate)(D, m, rule, eta, gamma, seed=1),
        ]
        if old is not None:
            old.simulate(D, m, rule, eta, gamma, seed=0)  # compile
            same_old = np.array_equal(old.simulate(D, m, rule, eta, gamma, uniforms=u), ref)
            fns.append(lambda: old.simulate(D, m, rule, eta, gamma, seed=1))
        times = _interleaved(fns, max(repeats, 9) * 3)
        o, sc, od = times[0], times[1], (times[2] if old is not None else float("nan"))
        rf = _interleaved([lambda: simulate_reference(D, m, rule, eta, gamma, u)], max(3, repeats // 2))[0]
        bct_times, uniq, fails = [], [], 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for r in range(max(1, repeats // 2)):
                t0 = time.perf_counter()
                B, f = _bctpy_run(D, m, rule, eta, gamma, seed=r)
                bct_times.append(time.perf_counter() - t0)  # includes failed runs' time
                fails += f
                uniq.append(int(np.triu((B + B.T) > 0, 1).sum()))
        b = float(np.median(bct_times))
        print(
            f"{rule:<10s} {o * 1e3:9.3f} {sc * 1e3:8.3f} {od * 1e3:7.3f} {od / o:6.2f} {rf * 1e3:13.1f} "
            f"{rf / o:6.0f} {rf / od:9.0f} {b * 1e3:9.1f} {b / o:8.0f}  {min(uniq)}-{max(uniq)}, {fails}   "
            f"(== reference: {same}, libm: {same_scalar}{'' if old is None else f', old: {same_old}'})",
            flush=True,
        )
        rows.append(
            {
                "stage": f"generative: simulate {rule}",
                "ours_s": o,
                "scalar_s": sc,
                "old_s": od,
                "reference_s": rf,
                "speedup": rf / o,
                "old_speedup": rf / od,
                "bctpy_s": b,
                "bctpy_speedup": b / o,
                "identical_to_reference": same,
            }
        )
    print("bctpy's networks are wrong (see the docstring of sernn.generative): timed for comparison only.")
    print("libm: the same kernels with libm's scalar powers (the path without numpy's SVML).")
    return rows


def bench_energy(repeats: int, old) -> list[dict]:
    import bct
    from scipy.stats import ks_2samp

    from sernn import generative as gnm

    D = grid_distance()
    target = gnm.edges_to_adjacency(gnm.simulate(D, 495, "matching", -2.0, 0.4, seed=0), 100)
    sim = gnm.simulate(D, 495, "sptl", -2.0, seed=1)  # connected: the costlier case for betweenness
    B = gnm.edges_to_adjacency(sim, 100)
    stats = gnm.target_statistics(target, D)
    gnm.energy(stats, sim)

    def bctpy_energy():
        out = []
        for A in (target.astype(float), B.astype(float)):
            i, j = np.nonzero(np.triu(A, 1))
            out.append([bct.degrees_und(A), bct.clustering_coef_bu(A), bct.betweenness_bin(A), D[i, j]])
        ks = [ks_2samp(x, y).statistic for x, y in zip(*out)]
        return max(ks), *ks

    reps = max(repeats, 5) * 20
    fns = [lambda: gnm.energy(stats, sim), lambda: gnm.energy(target, B, D)]
    if old is not None:
        old_stats = old.target_statistics(target, D)
        old.energy(old_stats, sim)
        fns.append(lambda: old.energy(old_stats, sim))
    times = _interleaved(fns, reps)
    o, b = times[0], times[1]
    t = _interleaved([bctpy_energy], max(repeats, 5) * 4)[0]
    assert np.allclose(gnm.energy(stats, sim), bctpy_energy(), rtol=0, atol=1e-15)
    print(f"\n2. energy of one simulated network (100 nodes, 495 edges), median of {reps}")
    print(f"  sernn energy, target statistics precomputed  {o * 1e3:8.3f} ms")
    if old is not None:
        assert gnm.energy(stats, sim) == old.energy(old_stats, sim)
        print(
            f"  old implementation, the same                 {times[2] * 1e3:8.3f} ms   (x{times[2] / o:.2f})"
        )
    print(f"  sernn energy from two adjacency matrices     {b * 1e3:8.3f} ms")
    print(
        f"  bctpy degrees/clustering/betweenness + 4 ks_2samp {t * 1e3:8.3f} ms   "
        f"ratio x{t / o:.1f} (x{t / b:.1f} without precompute"
        f"{'' if old is None else f'; old x{t / times[2]:.1f}'})"
    )
    print("  (same E and KS values, checked in this run)")
    row = {"stage": "generative: energy of one network", "ours_s": o, "reference_s": t, "speedup": t / o}
    if old is not None:
        row.update(old_s=times[2], old_speedup=t / times[2])
    return [row]


def fit_target(seed: int = 0):
    """The benchmark's target: BCT threshold_proportional(|W|, 0.1) of a random distance-decaying W
    on the grid, OR-symmetrised (846 edges for seed 0), and the distance matrix."""
    from sernn import generative as gnm

    D = grid_distance()
    W = np.random.default_rng(seed).normal(size=(100, 100)) * np.exp(-D / 2.0)
    return gnm.authors_target(W, 0.1), D


def _timed(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def per_network_cost(
    levels: int = 5, samples: int = 200, seed: int = 0, threads: int = 1, module=None
) -> dict:
    """Seconds (wall and CPU) of the authors' full fit (13 rules x levels x samples) of one 100-node
    network with 846 edges, for the driver's projection. Compiles / loads numba first. module: the
    implementation (default sernn.generative; the old one takes no threads)."""
    from sernn import generative as gnm

    module = gnm if module is None else module
    kwargs = {} if threads == 1 else {"threads": threads}
    target, D = fit_target(seed)
    module.fit(target, D, levels=2, samples=3, seed=seed, **kwargs)  # warm-up
    res, wall, cpu = _timed(
        lambda: module.fit(target, D, levels=levels, samples=samples, seed=seed, **kwargs)
    )
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "edges": int(target.sum() // 2),
        "simulations": levels * samples * len(gnm.RULES),
        "result": res,
        "best": {
            r: (float(v["best_energy"]), float(v["best_eta"]), float(v["best_gamma"])) for r, v in res.items()
        },
    }


def _same_fit(a: dict, b: dict) -> bool:
    return all(np.array_equal(a[r][k], b[r][k], equal_nan=True) for r in a for k in a[r])


def bench_fit(levels: int, samples: int, threads: int, old) -> list[dict]:
    runs = {"new, 1 thread": per_network_cost(levels, samples)}
    runs["new, libm powers"] = scalar_powers(per_network_cost)(levels, samples)
    if threads > 1:
        runs[f"new, {threads} threads"] = per_network_cost(levels, samples, threads=threads)
    if old is not None:
        runs["old, 1 thread"] = per_network_cost(levels, samples, module=old)
    new = runs["new, 1 thread"]
    print(
        f"\n3. the authors' full fit of one network: 13 rules x {levels} levels x {samples} samples = "
        f"{new['simulations']} simulations + energies, target {new['edges']} edges "
        f"(threshold_proportional(|W|, 0.1), OR-symmetrised)"
    )
    for name, cost in runs.items():
        same = _same_fit(new["result"], cost["result"])
        print(
            f"  {name:<17s} wall {cost['seconds']:7.1f} s, CPU {cost['cpu_seconds']:7.1f} s "
            f"({cost['cpu_seconds'] / cost['simulations'] * 1e3:.2f} CPU ms per sample)"
            f"{'' if cost is new else f'   same numbers as new, 1 thread: {same}'}"
        )
    if old is not None:
        o = runs["old, 1 thread"]
        print(
            f"  old / new, 1 thread: CPU x{o['cpu_seconds'] / new['cpu_seconds']:.2f}, "
            f"wall x{o['seconds'] / new['seconds']:.2f}"
        )
        if threads > 1:
            t = runs[f"new, {threads} threads"]
            print(f"  old, 1 thread / new, {threads} threads: wall x{o['seconds'] / t['seconds']:.2f}")
    best = min(new["best"], key=lambda r: new["best"][r][0])
    print(f"  best rule {best}: E = {new['best'][best][0]:.3f} (a random-weight network, not a trained one)")
    row = {
        "stage": f"generative: full fit ({levels}x{samples} x 13 rules)",
        "ours_s": new["seconds"],
        "cpu_s": new["cpu_seconds"],
        "scalar_cpu_s": runs["new, libm powers"]["cpu_seconds"],
    }
    if threads > 1:
        row["threaded_s"] = runs[f"new, {threads} threads"]["seconds"]
        row["threads"] = threads
    if old is not None:
        row.update(old_s=runs["old, 1 thread"]["seconds"], old_cpu_s=runs["old, 1 thread"]["cpu_seconds"])
    return [row]


def main(args: argparse.Namespace) -> None:
    import numba

    print(
        f"machine: {os.cpu_count()} CPUs, numba threads {numba.get_num_threads()} (kernels are serial), "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    from sernn.generative import vecmath

    print(f"GNM powers: {vecmath.DESCRIPTION}")
    old = None if args.skip_old else load_old()
    rows = bench_simulation(args.repeats, old)
    rows += bench_energy(args.repeats, old)
    if not args.skip_fit:
        rows += bench_fit(args.fit_levels, args.fit_samples, args.fit_threads, old)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    for row in rows:
        print("RESULT " + json.dumps(row))


if __name__ == "__main__":
    main(ARGS)
