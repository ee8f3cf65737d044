"""The network_metrics entry point: keys, determinism, and every value against an independent oracle (BCT)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import bct
import numpy as np
import pytest
from oracles import bct_binary_stats, bct_modularity_matlab, small_worldness_oracle

from sernn import nulls
from sernn.metrics import LOUVAIN_COLUMNS, METRIC_COLUMNS, SWP_COLUMNS, network_metrics

REQUIRED = (
    "modularity n_modules clustering path_length efficiency small_worldness "
    "small_worldness_efficiency clustering_null_mean path_length_null_mean efficiency_null_mean "
    "clustering_z path_length_z n_components disconnected_nulls total_weight "
    "weight_distance_corr weighted_edge_length weighted_efficiency matching_index density"
).split()


def grid_distance():
    coords = np.array([(x, y, z) for x in range(5) for y in range(5) for z in range(4)], float)
    return np.linalg.norm(coords[:, None] - coords[None], axis=-1)


def snapshot(seed, keep=0.1):
    """A spatially decaying signed weight matrix; A = strongest fraction of |W|, max-symmetrised."""
    D = grid_distance()
    rng = np.random.default_rng(seed)
    W = rng.normal(size=D.shape) * np.exp(-D / 2)
    Wa = np.abs(W)
    np.fill_diagonal(Wa, 0)
    thr = np.quantile(Wa[~np.eye(len(D), dtype=bool)], 1 - keep)
    A = (Wa >= thr) & (Wa > 0)
    A = (A | A.T).astype(np.uint8)
    np.fill_diagonal(A, 0)
    return W, A, D


def test_columns_are_complete_ordered_floats():
    assert set(REQUIRED) <= set(METRIC_COLUMNS)
    assert list(METRIC_COLUMNS[: len(REQUIRED)]) == REQUIRED
    W, A, D = snapshot(0)
    out = network_metrics(W, A, D, n_nulls=50)
    assert tuple(out) == METRIC_COLUMNS
    assert all(type(v) is float for v in out.values())
    full = network_metrics(W, A, D, n_nulls=50, louvain_runs=3, swp=True)
    assert tuple(full) == METRIC_COLUMNS + LOUVAIN_COLUMNS + SWP_COLUMNS
    # the optional columns do not change the others (independent seed streams)
    assert {k: full[k] for k in METRIC_COLUMNS} == out


def test_deterministic_for_a_seed():
    W, A, D = snapshot(1)
    a = network_metrics(W, A, D, n_nulls=100, seed=3, louvain_runs=2, swp=True)
    b = network_metrics(W.copy(), A.copy(), D.copy(), n_nulls=100, seed=3, louvain_runs=2, swp=True)
    assert a == b
    c = network_metrics(W, A, D, n_nulls=100, seed=4)
    assert c["clustering_null_mean"] != a["clustering_null_mean"]
    for key in ("modularity", "clustering", "path_length", "total_weight", "matching_index"):
        assert c[key] == a[key]


def test_values_agree_with_bct():
    """Every column against an independent computation: bctpy on the same graph (modularity_und with
    the numpy-2 and fine-tuning fixes of tests/oracles.py, matching_ind, efficiency_wei), numpy sums,
    and small-worldness combined in the test from bctpy's measures of the very null graphs the seed
    draws (``random_graphs``, whose uniformity tests/test_nulls.py checks)."""
    W, A, D = snapshot(2)
    n_nulls = 200
    out = network_metrics(W, A, D, n_nulls=n_nulls, seed=0)
    Af = A.astype(float)
    C, L, E, n_comp = bct_binary_stats(Af)
    assert out["clustering"] == pytest.approx(C, abs=1e-12)
    assert out["path_length"] == pytest.approx(L, abs=1e-12)
    assert out["efficiency"] == pytest.approx(E, abs=1e-12)
    assert out["n_components"] == n_comp
    ci, Q = bct_modularity_matlab(Af)
    assert out["modularity"] == pytest.approx(Q, abs=1e-10) and out["n_modules"] == ci.max()
    Wa = np.abs(W)
    np.fill_diagonal(Wa, 0)
    assert out["total_weight"] == pytest.approx(Wa.sum())
    assert out["weighted_edge_length"] == pytest.approx((Wa * D).sum())
    assert out["weighted_efficiency"] == pytest.approx(bct.efficiency_wei(Wa), abs=1e-12)
    n = len(A)
    off = ~np.eye(n, dtype=bool)
    assert out["matching_index"] == pytest.approx(bct.matching_ind(Af)[2][off].mean(), abs=1e-12)
    assert out["n_edges"] == A.sum() / 2
    assert out["density"] == pytest.approx(A.sum() / (n * (n - 1)))
    nz = Wa[off] > 0
    r = np.corrcoef(Wa[off][nz], D[off][nz])[0, 1]
    assert out["weight_distance_corr"] == pytest.approx(r, abs=1e-12)
    assert out["weight_distance_corr"] < -0.3  # weights fall with distance by construction
    # the nulls: the documented seed split (SeedSequence(seed).spawn(3)[0] draws the nulls)
    null_rng = np.random.default_rng(np.random.SeedSequence(0).spawn(3)[0])
    m = int(A.sum() // 2)
    sw = small_worldness_oracle(Af, nulls.random_graphs(n, m, n_nulls, seed=null_rng))
    pairs = {
        "small_worldness": "sigma",
        "small_worldness_efficiency": "sigma_efficiency",
        "clustering_null_mean": "clustering_null_mean",
        "path_length_null_mean": "path_length_null_mean",
        "efficiency_null_mean": "efficiency_null_mean",
        "clustering_z": "clustering_z",
        "path_length_z": "path_length_z",
        "disconnected_nulls": "disconnected_nulls",
    }
    for col, key in pairs.items():
        assert out[col] == pytest.approx(sw[key], rel=1e-10, abs=1e-12), col
    assert out["small_worldness"] > 1  # spatial networks are clustered


def test_weighted_efficiency_column_matches_bct_directed():
    W, A, D = snapshot(3)
    Wa = np.abs(W)
    np.fill_diagonal(Wa, 0)
    sub = np.ix_(range(30), range(30))  # bctpy's Dijkstra is slow: check on a 30-unit block
    out = network_metrics(W[sub], A[sub], D[sub], n_nulls=20)
    assert out["weighted_efficiency"] == pytest.approx(bct.efficiency_wei(Wa[sub]), abs=1e-10)


def test_disconnected_network_is_reported():
    W, A, D = snapshot(4, keep=0.01)
    out = network_metrics(W, A, D, n_nulls=100)
    assert out["n_components"] > 1
    assert np.isfinite(out["path_length"]) and out["disconnected_nulls"] > 0


def test_input_errors_name_the_problem():
    W, A, D = snapshot(5)
    with pytest.raises(ValueError, match=r"shapes differ: weights \(99, 99\)"):
        network_metrics(W[:99, :99], A, D)
    bad = A.astype(float)
    bad[0, 1] = 0.5
    with pytest.raises(ValueError, match=r"adjacency must be 0/1; adjacency\[0, 1\]=0.5"):
        network_metrics(W, bad, D)
    negD = D.copy()
    negD[2, 3] = -1
    with pytest.raises(ValueError, match=r"distance must be non-negative; distance\[2, 3\]=-1.0"):
        network_metrics(W, A, negD)
    with pytest.raises(ValueError, match="n_nulls must be an integer >= 2, got 1"):
        network_metrics(W, A, D, n_nulls=1)


def test_compile_kernels_leaves_nothing_for_a_metrics_job_to_compile(tmp_path):
    """After ``compile_kernels`` (run by ``make setup``) a workflow-like call of network_metrics
    (float32 weights, uint8 adjacency, float64 distances) only loads numba's cache."""
    src = Path(__file__).resolve().parents[1] / "src" / "sernn"
    shutil.copytree(src, tmp_path / "sernn", ignore=shutil.ignore_patterns("__pycache__"))
    run = [sys.executable, "-c"]
    setup = "import sys; sys.path.insert(0, '.'); from sernn import metrics; metrics.compile_kernels()"
    job = (
        "import sys; sys.path.insert(0, '.'); import numpy as np\n"
        "from sernn import binarise, embedding, metrics\n"
        "w = np.random.default_rng(1).normal(size=(100, 100)).astype(np.float32)\n"
        "a = binarise.undirected(binarise.binarise_stack(w[None], method='proportional', fraction=0.1,"
        " symmetrise='max', drop_diagonal=True)[0])\n"
        "d = embedding.distance_matrix(embedding.grid_coordinates((5, 5, 4)))\n"
        "metrics.network_metrics(w, a, d, n_nulls=20)\n"
    )
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    first = subprocess.run(run + [setup], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "[cache] data saved" in first.stdout
    second = subprocess.run(run + [job], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "[cache] data loaded" in second.stdout
    assert "[cache] data saved" not in second.stdout, second.stdout
