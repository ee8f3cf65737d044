"""Robust energies: each rule's best parameter points of a search re-simulated on fresh streams.

The minimum energy over a search's samples, each simulated once, favours a rule whose energy varies
more from draw to draw. The robust energy of a rule takes its ``top_k`` lowest-energy samples (the
points of :func:`sernn.generative.fit`'s result, first on ties), grows ``repeats`` new networks at
each point, each from its own seed, and averages: per point the mean over its repeats, then the mean
over the points. The seeds (one per point and repeat, (top_k, repeats) uint64) derive from the fit's
seed, the rule's code and a constant that no search stream uses, so they are fresh and reproducible;
a repeat is ``simulate_energy(target statistics, rule, eta, gamma, seed=int(seeds[i, r]))``, i.e. the
network ``simulate(distance, m, rule, eta, gamma, seed=...)`` grows, and its energy. A simulation
whose weights overflow (exponential form only) gets energy 1 and NaN KS values, as in the search.
"""

from __future__ import annotations

import numpy as np

from .kernel import RULES, _rule_code
from .search import simulate_energy
from .statistics import target_statistics
from .summary import column_suffix

__all__ = ["ROBUST_STREAM", "top_points", "repeat_seeds", "robust_energies", "robust_columns", "robust_row"]

#: The last entropy word of the robust streams (a search's streams end in the rule's code).
ROBUST_STREAM = 0x524F42  # "ROB"


def top_points(energies: np.ndarray, top_k: int) -> np.ndarray:
    """Indices of the ``top_k`` lowest ``energies`` (S,), ascending energy, first index on ties;
    all S when S <= top_k. Returns (min(top_k, S),) int64."""
    order = np.argsort(np.asarray(energies, float), kind="stable")
    return order[: int(top_k)].astype(np.int64)


def repeat_seeds(seed, rule: str, n_points: int, repeats: int) -> np.ndarray:
    """The seeds of the repeats of one rule: (n_points, repeats) uint64 from
    ``SeedSequence(seed words + [rule code, ROBUST_STREAM])``. seed: int or sequence of ints (the
    fit's seed)."""
    words = [int(seed)] if np.isscalar(seed) else [int(s) for s in seed]
    ss = np.random.SeedSequence(words + [_rule_code(rule), ROBUST_STREAM])
    return ss.generate_state(int(n_points) * int(repeats), dtype=np.uint64).reshape(
        int(n_points), int(repeats)
    )


def robust_energies(
    target: np.ndarray,
    distance: np.ndarray,
    fit_result: dict,
    top_k: int = 10,
    repeats: int = 5,
    seed=0,
    modelvar: tuple[str, str] = ("powerlaw", "powerlaw"),
    epsilon: float = 1e-5,
) -> dict[str, dict[str, np.ndarray]]:
    """Re-simulate every rule of ``fit_result`` (a :func:`sernn.generative.fit` result for
    ``target``, (n, n) 0/1 symmetric, and ``distance``, (n, n)) at its ``top_k`` best points,
    ``repeats`` times each. seed, modelvar, epsilon: those of the fit.

    Returns {rule: {index (k,) sample indices, eta (k,), gamma (k,), seeds (k, repeats) uint64,
    energy (k, repeats), ks (k, repeats, 4), robust_energy: the mean over points of the mean over
    repeats}}, k = min(top_k, samples)."""
    stats = target_statistics(target, distance)
    out = {}
    for rule, res in fit_result.items():
        index = top_points(res["energy"], top_k)
        seeds = repeat_seeds(seed, rule, index.size, repeats)
        values = np.empty((index.size, int(repeats), 5))
        for i, s in enumerate(index):
            eta, gamma = float(res["eta"][s]), float(res["gamma"][s])
            for r in range(int(repeats)):  # an overflow (exponential form) gives (1, NaN x 4)
                values[i, r] = simulate_energy(
                    stats, rule, eta, gamma, seed=int(seeds[i, r]), modelvar=modelvar, epsilon=epsilon
                )
        out[rule] = {
            "index": index,
            "eta": np.asarray(res["eta"], float)[index],
            "gamma": np.asarray(res["gamma"], float)[index],
            "seeds": seeds,
            "energy": values[:, :, 0],
            "ks": values[:, :, 1:],
            "robust_energy": float(values[:, :, 0].mean(axis=1).mean()),
        }
    return out


def robust_columns(rules=RULES) -> list[str]:
    """The summary columns of :func:`robust_row`: gnm_robust_best_rule, then gnm_robust_energy_<r>."""
    return ["gnm_robust_best_rule"] + [f"gnm_robust_energy_{column_suffix(r)}" for r in rules]


def robust_row(robust: dict | None, rules=RULES) -> dict:
    """The robust summary columns of one network (None: not fitted, every value empty):
    gnm_robust_energy_<r> per rule and gnm_robust_best_rule, the rule of the lowest robust energy
    (first in ``rules`` on ties; '' when not fitted)."""
    row = dict.fromkeys(robust_columns(rules), np.nan)
    row["gnm_robust_best_rule"] = ""
    if robust is None:
        return row
    for rule in rules:
        row[f"gnm_robust_energy_{column_suffix(rule)}"] = float(robust[rule]["robust_energy"])
    best = min(rules, key=lambda r: (float(robust[r]["robust_energy"]), list(rules).index(r)))
    row["gnm_robust_best_rule"] = best
    return row
