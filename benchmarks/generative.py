"""Benchmark: generative network models (sernn.generative) side by side with the plain numpy reference
(tests/gnm_reference.py, a faithful BCT port) and bctpy 0.6.1, in one process, on one core.

Run:  .venv/bin/python benchmarks/generative.py [--repeats 5] [--fit-samples 200] [--fit-levels 5]
          [--skip-fit] [--blas-threads 1]

Prints median wall times (time.perf_counter) and ratios (other / ours, so larger = we are faster) of
1. one simulation per rule, n = 100 units on the 5x5x4 grid, m = 495 edges, empty seed, powerlaw
   (eta = -2, gamma = 0.5): sernn vs the numpy reference vs bctpy ``generative_model``. bctpy's
   output is wrong (see the docstring of sernn.generative: off-by-one draw, so fewer than m distinct edges and
   pair (0, 1) never formed; matching never updates K^gamma; neighbors updates the wrong columns; ...):
   it is timed only, and its distinct-edge count is printed. It raises IndexError in some runs (when
   it draws the last pair): such runs are retried with the next seed and counted;
2. the energy of one simulated network against a target: sernn (target statistics precomputed
   once, as in a fit; and from two adjacency matrices) vs bctpy degrees_und + clustering_coef_bu +
   betweenness_bin on both networks + 4 x scipy.stats.ks_2samp;
3. the authors' full fit of one network: 13 rules x levels x samples (default 5 x 200 = 13,000
   simulations and energies, Voronoi search included).
Numba compilation is excluded (one warm-up call first; the cache is on disk after the first run).
The machine is shared: only ratios taken in the same run are meaningful; CPU time is printed too.

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
PARSER.add_argument("--skip-fit", action="store_true")
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


def grid_distance() -> np.ndarray:
    """The seRNN cost matrix: Euclidean distances on the 5x5x4 unit grid (100 units)."""
    coords = np.array([(x, y, z) for x in range(5) for y in range(5) for z in range(4)], float)
    return np.linalg.norm(coords[:, None] - coords[None], axis=-1)


def _times(fn, repeats: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


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


def bench_simulation(repeats: int, eta: float = -2.0, gamma: float = 0.5) -> list[dict]:
    import warnings

    from gnm_reference import simulate_reference

    from sernn import generative as gnm

    D = grid_distance()
    m = 495
    rows = []
    print(f"\n1. one simulation, n=100 grid, m={m}, eta={eta}, gamma={gamma}, median of {repeats}")
    print(
        f"{'rule':<10s} {'sernn ms':>9s} {'numpy ref ms':>13s} {'x ref':>7s} {'bctpy ms':>9s} "
        f"{'x bctpy':>8s}  bctpy distinct edges (of {m}), IndexError retries"
    )
    for rule in gnm.RULES:
        gnm.simulate(D, m, rule, eta, gamma, seed=0)  # compile / load the cache
        ours, _ = _times(lambda: gnm.simulate(D, m, rule, eta, gamma, seed=1), max(repeats, 9))
        u = np.random.default_rng(1).random(m)
        same = np.array_equal(
            gnm.simulate(D, m, rule, eta, gamma, uniforms=u), simulate_reference(D, m, rule, eta, gamma, u)
        )
        refs, _ = _times(lambda: simulate_reference(D, m, rule, eta, gamma, u), max(1, repeats // 2))
        bct_times, uniq, fails = [], [], 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for r in range(max(1, repeats // 2)):
                t0 = time.perf_counter()
                B, f = _bctpy_run(D, m, rule, eta, gamma, seed=r)
                bct_times.append(time.perf_counter() - t0)  # includes failed runs' time
                fails += f
                uniq.append(int(np.triu((B + B.T) > 0, 1).sum()))
        o, rf, b = np.median(ours), np.median(refs), np.median(bct_times)
        print(
            f"{rule:<10s} {o * 1e3:9.3f} {rf * 1e3:13.1f} {rf / o:7.0f} {b * 1e3:9.1f} {b / o:8.0f}  "
            f"{min(uniq)}-{max(uniq)}, {fails}   (sernn == reference: {same})",
            flush=True,
        )
        rows.append(
            {
                "stage": f"generative: simulate {rule}",
                "ours_s": o,
                "reference_s": rf,
                "speedup": rf / o,
                "bctpy_s": b,
                "bctpy_speedup": b / o,
                "identical_to_reference": same,
            }
        )
    print("bctpy's networks are wrong (see the docstring of sernn.generative): timed for comparison only.")
    return rows


def bench_energy(repeats: int) -> list[dict]:
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
    ours, ours_cpu = _times(lambda: gnm.energy(stats, sim), reps)
    both, _ = _times(lambda: gnm.energy(target, B, D), reps)
    theirs, theirs_cpu = _times(bctpy_energy, max(repeats, 5) * 4)
    assert np.allclose(gnm.energy(stats, sim), bctpy_energy(), rtol=0, atol=1e-15)
    o, b, t = np.median(ours), np.median(both), np.median(theirs)
    print(f"\n2. energy of one simulated network (100 nodes, 495 edges), median of {reps}")
    print(
        f"  sernn energy, target statistics precomputed  {o * 1e3:8.3f} ms   "
        f"(CPU {np.median(ours_cpu) * 1e3:.3f})"
    )
    print(f"  sernn energy from two adjacency matrices     {b * 1e3:8.3f} ms")
    print(
        f"  bctpy degrees/clustering/betweenness + 4 ks_2samp {t * 1e3:8.3f} ms   "
        f"(CPU {np.median(theirs_cpu) * 1e3:.3f})   ratio x{t / o:.1f} (x{t / b:.1f} without precompute)"
    )
    print("  (same E and KS values, checked in this run)")
    return [{"stage": "generative: energy of one network", "ours_s": o, "reference_s": t, "speedup": t / o}]


def per_network_cost(levels: int = 5, samples: int = 200, seed: int = 0) -> dict:
    """Seconds (wall and CPU) of the authors' full fit (13 rules x levels x samples) of one 100-node
    network with ~495-990 edges, for the driver's projection. Compiles / loads numba first."""
    from sernn import generative as gnm

    D = grid_distance()
    W = np.random.default_rng(seed).normal(size=(100, 100)) * np.exp(-D / 2.0)
    target = gnm.authors_target(W, 0.1)
    gnm.fit(target, D, levels=2, samples=3, seed=seed)  # warm-up
    c0, t0 = time.process_time(), time.perf_counter()
    res = gnm.fit(target, D, levels=levels, samples=samples, seed=seed)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "edges": int(target.sum() // 2),
        "simulations": levels * samples * len(gnm.RULES),
        "best": {
            r: (float(v["best_energy"]), float(v["best_eta"]), float(v["best_gamma"])) for r, v in res.items()
        },
    }


def bench_fit(levels: int, samples: int) -> list[dict]:
    cost = per_network_cost(levels, samples)
    print(
        f"\n3. the authors' full fit of one network: 13 rules x {levels} levels x {samples} samples = "
        f"{cost['simulations']} simulations + energies, target {cost['edges']} edges "
        f"(threshold_proportional(|W|, 0.1), OR-symmetrised)"
    )
    print(
        f"  wall {cost['seconds']:.1f} s, CPU {cost['cpu_seconds']:.1f} s "
        f"({cost['seconds'] / cost['simulations'] * 1e3:.2f} ms per sample)"
    )
    best = min(cost["best"], key=lambda r: cost["best"][r][0])
    print(f"  best rule {best}: E = {cost['best'][best][0]:.3f} (a random-weight network, not a trained one)")
    return [
        {
            "stage": f"generative: full fit ({levels}x{samples} x 13 rules)",
            "ours_s": cost["seconds"],
            "cpu_s": cost["cpu_seconds"],
        }
    ]


def main(args: argparse.Namespace) -> None:
    import numba

    print(
        f"machine: {os.cpu_count()} CPUs, numba threads {numba.get_num_threads()} (kernels are serial), "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    rows = bench_simulation(args.repeats)
    rows += bench_energy(args.repeats)
    if not args.skip_fit:
        rows += bench_fit(args.fit_levels, args.fit_samples)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    for row in rows:
        print("RESULT " + json.dumps(row))


if __name__ == "__main__":
    main(ARGS)
