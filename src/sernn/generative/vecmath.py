"""Powers for the growth kernel, eight at a time: Intel's SVML routines that numpy ships and exports
(``__svml_pow8_ha``, ``__svml_exp8_ha``, the very routines ``np.power`` and ``np.exp`` use on
AVX-512 CPUs), called from compiled code through their addresses, with libm's scalar ``pow`` and
``exp`` as the fallback.

Why: the clu-* rules need a power K^gamma per changed node and group of equal clustering after
every added edge, and libm's scalar pow is most of their time (12.5 ns per call against 1.7 ns per
value for the 8-wide routine, measured alone on an AVX-512 machine; benchmarks/README.md).

Accuracy: the ``_ha`` routines are within 1 ulp of the exact power, as is libm's; the two can differ
in the last bit, so weights differ from the scalar path by at most about 2e-16 relative, and a
drawn edge can change only where U * sum(w) lies within that of a pair boundary (the numpy port in
``tests/gnm_reference.py`` computes its powers with ``np.power``, so on AVX-512 machines it uses
the same routine). Results are bit-identical run to run on one machine. The scalar path is taken
on CPUs without AVX-512, where numba compiles for a target without it (``NUMBA_CPU_NAME``), with
``SERNN_SCALAR_POW=1`` in the environment, and when the self-test at import (a few values against
``math.pow`` / ``math.exp``, through compiled code as the kernels call them) is off by over 1 ulp.

No new dependency: the routines are numpy's. The addresses are runtime arguments of the kernels
(0 = scalar), never symbols in the compiled code, so numba's disk cache stays valid either way.
"""

from __future__ import annotations

import ctypes
import os

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

WIDTH = 8  # values per call of a vector routine

_ROUTINES = ("__svml_pow8_ha", "__svml_exp8_ha")


def _numba_targets_avx512() -> bool:
    """Whether numba compiles for a CPU with AVX-512F (the routines take and return their 8 values
    in zmm registers, which the compiled caller uses only then). NUMBA_CPU_NAME / NUMBA_CPU_FEATURES
    (portable caches) may choose a lesser target than the host's."""
    import llvmlite.binding as llvm
    from numba.core import config

    if config.CPU_FEATURES is not None:
        return "+avx512f" in config.CPU_FEATURES.split(",")
    if config.CPU_NAME not in (None, "host"):
        return False
    return "+avx512f" in llvm.get_host_cpu_features().flatten().split(",")


def _addresses() -> tuple[int, int, str]:
    """(pow8 address, exp8 address, description); (0, 0, why) where the scalar path is taken."""
    if os.environ.get("SERNN_SCALAR_POW", "") not in ("", "0"):
        return 0, 0, "libm-scalar(SERNN_SCALAR_POW)"
    try:
        from numpy._core import _multiarray_umath as umath

        # numpy itself calls these routines only on AVX512_SKX CPUs (F, CD, BW, DQ, VL)
        if not umath.__cpu_features__.get("AVX512_SKX", False):
            return 0, 0, "libm-scalar(no-AVX-512)"
        if not _numba_targets_avx512():
            return 0, 0, "libm-scalar(numba-target-without-AVX-512F)"
        lib = ctypes.CDLL(umath.__file__)
        found = [ctypes.cast(getattr(lib, name), ctypes.c_void_p).value for name in _ROUTINES]
    except (ImportError, AttributeError, OSError) as exc:
        return 0, 0, f"libm-scalar(numpy-SVML-not-found:{type(exc).__name__})"
    return found[0], found[1], f"numpy-SVML({','.join(_ROUTINES)})"


POW8, EXP8, DESCRIPTION = _addresses()
"""Addresses of the 8-wide power and exponential (0 when absent), and which path the kernels take
(one token, for the logs' package list: ``numpy-SVML(...)`` or ``libm-scalar(why)``)."""


@intrinsic
def _call8(typingctx, fn, src, start, scale, out):
    """out[start:start + 8] = f(src[start:start + 8], scale) for the 8-wide SVML routine at address
    fn: pow8 (f = x^scale) or exp8 (then scale is ignored: f = exp(x)). The caller pads src."""
    sig = types.void(fn, src, start, scale, out)

    def codegen(context, builder, signature, args):
        fnv, srcv, startv, scalev, outv = args
        vec = ir.VectorType(ir.DoubleType(), WIDTH)
        s = context.make_array(signature.args[1])(context, builder, srcv)
        o = context.make_array(signature.args[4])(context, builder, outv)
        x = builder.load(builder.bitcast(builder.gep(s.data, [startv]), vec.as_pointer()), align=8)
        g = ir.Constant(vec, None)
        for i in range(WIDTH):
            g = builder.insert_element(g, scalev, ir.Constant(ir.IntType(32), i))
        fnty = ir.FunctionType(vec, [vec, vec])
        r = builder.call(builder.inttoptr(fnv, fnty.as_pointer()), [x, g])
        builder.store(r, builder.bitcast(builder.gep(o.data, [startv]), vec.as_pointer()), align=8)
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True, inline="always")
def powers(K, count, gamma, kind, out, pow8, exp8):
    """out[:count] = K[:count]^gamma (kind 0, powerlaw) or exp(gamma K[:count]) (kind 1).

    K, out: (>= count rounded up to 8,) float64 buffers; K's padding is overwritten. pow8, exp8:
    :data:`POW8`, :data:`EXP8`, or 0 for libm's scalar routines. The same bits for the same inputs
    and path; the two paths agree within 1 ulp."""
    fn = pow8 if kind == 0 else exp8
    if fn == 0:
        for i in range(count):
            out[i] = K[i] ** gamma if kind == 0 else np.exp(gamma * K[i])
        return
    if kind == 1:
        for i in range(count):
            K[i] = gamma * K[i]
    stop = -(-count // WIDTH) * WIDTH
    for i in range(count, stop):
        K[i] = 1.0  # padding: any finite value
    for i in range(0, stop, WIDTH):
        _call8(fn, K, i, gamma, out)


@numba.njit(cache=True)
def _probe(K, gamma, kind, pow8, exp8):
    """:func:`powers` of the values K (count,) as the kernels call it: (count + 8,) with the results
    first and -1 wherever the routine wrote nothing (for the self-test and the tests)."""
    buf = np.empty(K.shape[0] + WIDTH)
    buf[: K.shape[0]] = K
    out = np.full(K.shape[0] + WIDTH, -1.0)
    powers(buf, K.shape[0], gamma, kind, out, pow8, exp8)
    return out


def _self_test() -> bool:
    """The vector routines, called from compiled code as the kernels call them, within 1 ulp of
    Python's math.pow and math.exp on a few values (a guard against a calling-convention mismatch)."""
    import math

    K = np.array([1e-5, 0.013, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.7, 10.0, 123.0])
    for kind, gamma, exact in (
        (0, 1.7, [math.pow(k, 1.7) for k in K]),
        (0, -3.2, [math.pow(k, -3.2) for k in K]),
        (1, -0.6, [math.exp(-0.6 * k) for k in K]),
    ):
        got = _probe(K, gamma, kind, POW8, EXP8)[: K.size]
        ulps = np.abs(got.view(np.int64) - np.array(exact).view(np.int64))
        if not ulps.max() <= 1:
            return False
    return True


if POW8 and not _self_test():
    POW8, EXP8, DESCRIPTION = 0, 0, "libm-scalar(SVML-self-test-failed)"
