"""Benchmark: sernn structural metrics against the equivalent bctpy loop, side by side in one run.

Run:  .venv/bin/python benchmarks/metrics.py [--nulls 1000] [--repeats 3] [--blas-threads 1]

Prints median wall times (time.perf_counter) of
1. 1,000-null small-worldness of one 100-node network (940 edges):
   - sernn: ``sernn.nulls.small_worldness`` (C, L, E of the network and of every null), on one
     thread (the default) and on all numba threads;
   - bctpy, per null: ``makerandCIJ_und`` (symmetrised) + ``clustering_coef_bu`` +
     ``charpath(distance_bin(A), include_infinite=False)`` (the minimal sigma loop), and the same
     plus ``efficiency_bin`` (everything sernn computes);
   and their ratios;
2. ``network_metrics`` for 11 epochs of one 100-node network (defaults: 1,000 nulls each);
3. ``spectral_modularity`` of one 100-node network.
Numba compilation is excluded (one warm-up call first; the cache is on disk after the first run).
Timings on a shared machine are noisy; only ratios taken in the same run are meaningful.

BLAS threads: by default the script sets OPENBLAS_NUM_THREADS=1 (both sides run under the same
setting), as a pipeline running one job per core should. Multi-threaded OpenBLAS on small
(100 x 100) matrices stalls whenever another process holds a core: ``--blas-threads 0`` keeps the
library default, to see it.
"""

from __future__ import annotations

import argparse
import json
import os
import time

PARSER = argparse.ArgumentParser(description="sernn structural metrics vs the bctpy loop")
PARSER.add_argument("--nulls", type=int, default=1000)
PARSER.add_argument("--repeats", type=int, default=3)
PARSER.add_argument(
    "--blas-threads",
    type=int,
    default=1,
    help="OPENBLAS_NUM_THREADS for this run (0 = leave the environment as is)",
)

if __name__ == "__main__":
    ARGS = PARSER.parse_args()
    if ARGS.blas_threads > 0:  # must happen before numpy loads OpenBLAS
        os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.blas_threads)

import numpy as np  # noqa: E402


def _grid_distance() -> np.ndarray:
    coords = np.array([(x, y, z) for x in range(5) for y in range(5) for z in range(4)], float)
    return np.linalg.norm(coords[:, None] - coords[None], axis=-1)


def _network(seed: int, D: np.ndarray, n_edges: int = 940) -> tuple[np.ndarray, np.ndarray]:
    """A spatially decaying random weight matrix and its strongest ``n_edges`` undirected links."""
    rng = np.random.default_rng(seed)
    n = D.shape[0]
    W = rng.normal(size=(n, n)) * np.exp(-D / 2.0)
    S = np.maximum(np.abs(W), np.abs(W).T)
    iu, ju = np.triu_indices(n, 1)
    keep = np.argsort(-S[iu, ju], kind="stable")[:n_edges]
    A = np.zeros((n, n), dtype=np.uint8)
    A[iu[keep], ju[keep]] = 1
    return W, A | A.T


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _bct_loop(A: np.ndarray, n_nulls: int, seed: int, with_efficiency: bool) -> float:
    import bct

    n = A.shape[0]
    m = int(np.triu(A, 1).sum())
    rs = np.random.RandomState(seed)
    Af = A.astype(float)
    C = np.mean(bct.clustering_coef_bu(Af))
    L = bct.charpath(bct.distance_bin(Af), include_infinite=False)[0]
    cn, ln, en = [], [], []
    for _ in range(n_nulls):
        R = bct.makerandCIJ_und(n, m, seed=rs)
        R = R + R.T  # bctpy returns only the upper triangle
        cn.append(np.mean(bct.clustering_coef_bu(R)))
        ln.append(bct.charpath(bct.distance_bin(R), include_infinite=False)[0])
        if with_efficiency:
            en.append(bct.efficiency_bin(R))
    return (C / np.mean(cn)) / (L / np.mean(ln))


def main(args: argparse.Namespace) -> None:

    import numba

    from sernn.metrics import network_metrics
    from sernn.modularity import spectral_modularity
    from sernn.nulls import small_worldness

    D = _grid_distance()
    W, A = _network(0, D)
    n_edges = int(np.triu(A, 1).sum())
    print(
        f"machine: {os.cpu_count()} CPUs, numba threads {numba.get_num_threads()}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
        f"load average {os.getloadavg()[0]:.2f}; "
        f"network: {A.shape[0]} nodes, {n_edges} edges; nulls: {args.nulls}; "
        f"median of {args.repeats} runs"
    )

    t0 = time.perf_counter()
    small_worldness(A, args.nulls, seed=0)
    network_metrics(W, A, D, n_nulls=args.nulls, seed=0)
    print(f"warm-up (numba compile or cache load): {time.perf_counter() - t0:.2f} s")

    sw = small_worldness(A, args.nulls, seed=0)
    t_ours = _median_time(lambda: small_worldness(A, args.nulls, seed=0), max(args.repeats, 5))
    threads = numba.config.NUMBA_NUM_THREADS
    small_worldness(A, 10, seed=0, threads=threads)  # compile the parallel kernel
    t_par = _median_time(
        lambda: small_worldness(A, args.nulls, seed=0, threads=threads), max(args.repeats, 5)
    )
    sig_bct = _bct_loop(A, args.nulls, 0, False)
    t_bct = _median_time(lambda: _bct_loop(A, args.nulls, 0, False), args.repeats)
    t_bct_e = _median_time(lambda: _bct_loop(A, args.nulls, 0, True), args.repeats)
    print(f"\n{args.nulls}-null small-worldness of one network")
    print(
        f"  sernn small_worldness (C, L, E)                  {t_ours * 1e3:9.1f} ms"
        f"   sigma = {sw['sigma']:.4f}"
    )
    print(
        f"  sernn small_worldness, threads={threads}                {t_par * 1e3:9.1f} ms"
        f"   (same floats; default is threads=1)"
    )
    print(
        f"  bctpy loop: clustering_coef_bu + charpath        {t_bct * 1e3:9.1f} ms"
        f"   sigma = {sig_bct:.4f}   ratio {t_bct / t_ours:6.1f}x"
    )
    print(
        f"  bctpy loop: ... + efficiency_bin                 {t_bct_e * 1e3:9.1f} ms"
        f"                    ratio {t_bct_e / t_ours:6.1f}x"
    )

    epochs = [_network(s, D) for s in range(11)]
    t_ep = _median_time(
        lambda: [network_metrics(w, a, D, n_nulls=args.nulls, seed=0) for w, a in epochs],
        args.repeats,
    )
    t_mod = _median_time(lambda: spectral_modularity(A), 20)
    print(f"\nnetwork_metrics x 11 epochs ({args.nulls} nulls each)  {t_ep:9.3f} s")
    print(f"spectral_modularity, one 100-node network        {t_mod * 1e3:9.2f} ms")
    print(
        "RESULT "
        + json.dumps(
            {
                "stage": "metrics: 1000-null small-worldness",
                "ours_s": t_ours,
                "reference_s": t_bct,
                "speedup": t_bct / t_ours,
            }
        )
    )
    print("RESULT " + json.dumps({"stage": "metrics: network_metrics x 11 epochs", "ours_s": t_ep}))


if __name__ == "__main__":
    main(ARGS)
