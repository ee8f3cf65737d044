"""The GNM kernels' powers (sernn.generative.vecmath): the vector routines (numpy's SVML) against
Python's math.pow / math.exp, and the two paths against each other and against the numpy port.

The stated tolerance: a power from either path is within 1 ulp of math.pow (math.exp), so the two
paths differ by at most 2 ulp; growth is identical to the numpy port on both paths (its streams).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import gnm_reference as ref
import numpy as np
import pytest

from sernn import generative as gnm
from sernn import storage
from sernn.generative import vecmath

VECTOR = vecmath.POW8 != 0 and vecmath.EXP8 != 0
needs_vector = pytest.mark.skipif(
    not VECTOR, reason=f"this machine takes the scalar path ({vecmath.DESCRIPTION}); nothing to compare"
)


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between finite positive arrays a and b."""
    return np.abs(a.view(np.int64) - b.view(np.int64))


def _inputs(seed: int):
    rng = np.random.default_rng(seed)
    K = np.concatenate([10.0 ** rng.uniform(-12, 6, 397), [1e-5, 1.0, 0.5, 2.0]])
    return K, rng.uniform(-7, 7, 12)


@needs_vector
def test_vector_power_within_one_ulp_of_math_pow():
    K, gammas = _inputs(0)
    for gamma in list(gammas) + [0.0, 1.0, -1.0, 0.5, 7.0, -7.0]:
        got = vecmath._probe(K, gamma, 0, vecmath.POW8, vecmath.EXP8)
        exact = np.array([math.pow(k, gamma) for k in K])
        assert _ulps(got[: K.size], exact).max() <= 1, f"gamma={gamma}"
    scalar = vecmath._probe(K, 0.37, 0, 0, 0)
    np.testing.assert_array_equal(scalar[: K.size], [k**0.37 for k in K])


@needs_vector
def test_vector_exponential_within_one_ulp_of_math_exp():
    K, gammas = _inputs(1)
    K = K[K < 50.0]
    for gamma in gammas:
        got = vecmath._probe(K, gamma, 1, vecmath.POW8, vecmath.EXP8)
        exact = np.array([math.exp(gamma * k) for k in K])
        ok = np.isfinite(exact) & (exact > 0)
        assert _ulps(got[: K.size][ok], exact[ok]).max() <= 1, f"gamma={gamma}"
        np.testing.assert_array_equal(got[: K.size][~ok], exact[~ok])


@needs_vector
@pytest.mark.parametrize("count", [0, 1, 7, 8, 9, 100])
def test_every_count_written_and_no_more(count):
    K = np.linspace(0.5, 3.0, max(count, 1))[:count]
    out = vecmath._probe(K, 1.5, 0, vecmath.POW8, vecmath.EXP8)
    exact = np.array([math.pow(k, 1.5) for k in K])
    assert _ulps(out[:count], exact).max(initial=0) <= 1
    stop = -(-count // vecmath.WIDTH) * vecmath.WIDTH
    assert (out[stop:] == -1.0).all()  # nothing written past the last block of 8


@pytest.fixture
def scalar_path(monkeypatch):
    """The kernels' scalar path in this process (the addresses are read per simulation)."""
    monkeypatch.setattr(vecmath, "POW8", 0)
    monkeypatch.setattr(vecmath, "EXP8", 0)


@pytest.mark.parametrize("rule", gnm.RULES)
def test_scalar_path_identical_to_numpy_reference(rule, scalar_path):
    D = ref_distance()
    for i, (eta, gamma) in enumerate([(-2.0, 0.5), (-1.0, -1.5), (1.5, 2.0)]):
        u = np.random.default_rng(200 + i).random(250)
        ours = gnm.simulate(D, 250, rule, eta, gamma, uniforms=u)
        np.testing.assert_array_equal(ours, ref.simulate_reference(D, 250, rule, eta, gamma, u))
    mv = ("exponential", "exponential")
    u = np.random.default_rng(7).random(120)
    ours = gnm.simulate(D, 120, rule, -1.0, 0.3, uniforms=u, modelvar=mv)
    np.testing.assert_array_equal(ours, ref.simulate_reference(D, 120, rule, -1.0, 0.3, u, modelvar=mv))


def ref_distance() -> np.ndarray:
    pts = np.random.default_rng(5).random((60, 3)) * 4
    return np.linalg.norm(pts[:, None] - pts[None], axis=-1)


@needs_vector
@pytest.mark.parametrize("rule", [r for r in gnm.RULES if r != "sptl"])
def test_paths_agree_in_weights_within_tolerance(rule, monkeypatch):
    """The traced weights of the two paths: the same edges, weights within 4e-16 relative."""
    D = ref_distance()
    vec = gnm.simulate_trace(D, 40, rule, -1.5, 1.7, seed=3)
    monkeypatch.setattr(vecmath, "POW8", 0)
    monkeypatch.setattr(vecmath, "EXP8", 0)
    sca = gnm.simulate_trace(D, 40, rule, -1.5, 1.7, seed=3)
    np.testing.assert_array_equal(vec["edges"], sca["edges"])
    np.testing.assert_allclose(vec["w"], sca["w"], rtol=4.5e-16, atol=0)


@needs_vector
def test_fit_numbers_equal_on_both_paths(monkeypatch):
    D = ref_distance()
    target = gnm.edges_to_adjacency(gnm.simulate(D, 180, "matching", -2.0, 0.4, seed=1), 60)
    rules = ["neighbors", "clu-prod", "clu-min", "deg-avg"]
    vec = gnm.fit(target, D, rules, levels=2, samples=12, seed=4)
    monkeypatch.setattr(vecmath, "POW8", 0)
    monkeypatch.setattr(vecmath, "EXP8", 0)
    sca = gnm.fit(target, D, rules, levels=2, samples=12, seed=4)
    for rule in rules:
        for key in ("eta", "gamma", "energy", "ks"):
            np.testing.assert_array_equal(vec[rule][key], sca[rule][key], err_msg=f"{rule} {key}")


def test_environment_variable_selects_the_scalar_path():
    env = dict(os.environ, SERNN_SCALAR_POW="1")
    code = "from sernn.generative import vecmath; print(vecmath.POW8, vecmath.EXP8, vecmath.DESCRIPTION)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0", "libm-scalar(SERNN_SCALAR_POW)"]


def test_package_list_names_the_power_routine():
    assert storage.package_versions()["gnm_powers"] == vecmath.DESCRIPTION
    assert vecmath.DESCRIPTION.startswith("numpy-SVML(" if VECTOR else "libm-scalar(")


def test_numba_target_without_avx512_takes_the_scalar_path(tmp_path):
    """A portable numba target (NUMBA_CPU_NAME=generic) passes 8 doubles differently: never SVML."""
    env = dict(os.environ, NUMBA_CPU_NAME="generic", NUMBA_CACHE_DIR=str(tmp_path))
    env.pop("SERNN_SCALAR_POW", None)
    code = "from sernn.generative import vecmath; print(vecmath.POW8, vecmath.DESCRIPTION)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "libm-scalar(numba-target-without-AVX-512F)"]


@needs_vector
def test_self_test_rejects_a_wrong_routine(monkeypatch):
    assert vecmath._self_test()
    monkeypatch.setattr(vecmath, "POW8", vecmath.EXP8)  # exp8 where pow8 belongs
    assert not vecmath._self_test()


@needs_vector
def test_special_values_as_the_scalar_path():
    """K = 0 (epsilon = 0 allows it), huge and tiny results: as libm's pow and exp give them."""
    K = np.array([0.0, 0.0, 1e-300, 1e300, 1.0, 7.5, 1e-320])
    for gamma in (-1.5, 0.0, 2.5, -7.0, 7.0):
        for kind in (0, 1):
            vec = vecmath._probe(K, gamma, kind, vecmath.POW8, vecmath.EXP8)[: K.size]
            sca = vecmath._probe(K, gamma, kind, 0, 0)[: K.size]
            same_class = (np.isinf(vec) == np.isinf(sca)) & ((vec == 0) == (sca == 0))
            assert same_class.all(), (gamma, kind, vec, sca)
            fin = np.isfinite(sca) & (sca > 2.3e-308)  # normal numbers: within 1 ulp
            assert _ulps(vec[fin], sca[fin]).max(initial=0) <= 2, (gamma, kind)
