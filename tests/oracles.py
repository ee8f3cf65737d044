"""Independent oracles shared by the tests: bctpy measures (spectral modularity made to run under
numpy 2, binary graph measures, small-worldness combined from them).

Against bctpy 0.6.1: its ``modularity_und`` crashes under numpy 2 in ``ls2ci`` (``np.size`` of a
ragged list of modules). That release also aliases the fine-tuned split to its working copy
(``mod_asgn = mod_asgn_iter``), which throws the fine-tuning away, and divides when q > 0.

- :func:`bct_modularity_released` is bctpy's own ``modularity_und`` with only ``ls2ci`` replaced;
- :func:`bct_modularity_matlab` is bctpy's source with, in addition, exactly those two lines changed
  to the MATLAB BCT code (``S=Sit`` is a copy; ``q>1e-10``).

Both are compiled into a private copy of the bctpy module's namespace, so bctpy itself is left as
installed (``bct.modularity_und`` still crashes, as tested).
"""

from __future__ import annotations

import inspect
import warnings

import bct
import bct.algorithms.modularity as bct_mod
import numpy as np

__all__ = ["bct_modularity_released", "bct_modularity_matlab", "bct_binary_stats", "small_worldness_oracle"]


def _ls2ci(ls, zeroindexed=False):
    """bctpy's ls2ci without the numpy-2-incompatible ``np.size(ls)`` on a ragged list."""
    ci = np.zeros(sum(map(len, ls)), dtype=int)
    for i, module in enumerate(ls):
        ci[module] = i + int(not zeroindexed)
    return ci


def _compile_modularity_und(source: str):
    namespace = dict(vars(bct_mod))
    namespace["ls2ci"] = _ls2ci
    exec(compile(source, bct_mod.__file__, "exec"), namespace)
    return namespace["modularity_und"]


_SOURCE = inspect.getsource(bct_mod.modularity_und)
_MATLAB = _SOURCE.replace("mod_asgn = mod_asgn_iter\n", "mod_asgn = mod_asgn_iter.copy()\n").replace(
    "if q > 0:", "if q > 1e-10:"
)
assert _MATLAB.count(".copy()\n") == _SOURCE.count(".copy()\n") + 1 and "q > 1e-10" in _MATLAB

#: bctpy 0.6.1 ``modularity_und(A, gamma=1, kci=None) -> (ci (n,) 1-based, Q)``, ls2ci fixed only.
bct_modularity_released = _compile_modularity_und(_SOURCE)
#: The same, with the fine-tuning kept and the split threshold as in MATLAB BCT.
bct_modularity_matlab = _compile_modularity_und(_MATLAB)


def bct_binary_stats(A: np.ndarray) -> tuple[float, float, float, int]:
    """bctpy's measures of a binary undirected graph A (n, n): (mean ``clustering_coef_bu``,
    ``charpath`` over finite distances, ``efficiency_bin``, ``number_of_components``)."""
    A = np.asarray(A, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (
            float(np.mean(bct.clustering_coef_bu(A))),
            float(bct.charpath(bct.distance_bin(A), include_infinite=False)[0]),
            float(bct.efficiency_bin(A)),
            int(bct.number_of_components(A)),
        )


def small_worldness_oracle(A: np.ndarray, null_graphs: np.ndarray) -> dict[str, float]:
    """Small-worldness of A against the given null graphs (G, n, n), every graph measured by bctpy
    (:func:`bct_binary_stats`): sigma = (C/C_null)/(L/L_null), sigma_efficiency = (C/C_null)(E/E_null),
    null means (L over the nulls with a finite L), z-scores with the null SD (ddof=1), and the
    number of nulls with more than one component."""
    C, L, E, nc = bct_binary_stats(A)
    S = np.array([bct_binary_stats(g) for g in null_graphs])
    Cn, En = S[:, 0].mean(), S[:, 2].mean()
    Ls = S[np.isfinite(S[:, 1]), 1]
    Ln = Ls.mean()
    return {
        "sigma": (C / Cn) / (L / Ln),
        "sigma_efficiency": (C / Cn) * (E / En),
        "clustering": C,
        "path_length": L,
        "efficiency": E,
        "n_components": float(nc),
        "clustering_null_mean": Cn,
        "path_length_null_mean": Ln,
        "efficiency_null_mean": En,
        "clustering_z": (C - Cn) / S[:, 0].std(ddof=1),
        "path_length_z": (L - Ln) / Ls.std(ddof=1),
        "disconnected_nulls": float((S[:, 3] > 1).sum()),
    }
