"""One summary row per fitted network (the workflow's tables): column names and values."""

from __future__ import annotations

import numpy as np

from .kernel import RULES, _rule_code


def column_suffix(rule: str) -> str:
    """The column-name form of a rule: '-' mapped to '_' (``clu-avg`` -> ``clu_avg``)."""
    _rule_code(rule)
    return rule.replace("-", "_")


def summary_columns(rules=RULES) -> list[str]:
    """The summary columns of :func:`summary_row`, in order: gnm_fitted, gnm_best_rule,
    gnm_best_energy, then per rule gnm_energy_<r>, gnm_eta_<r>, gnm_gamma_<r> (r: :func:`column_suffix`)."""
    out = ["gnm_fitted", "gnm_best_rule", "gnm_best_energy"]
    for rule in rules:
        r = column_suffix(rule)
        out += [f"gnm_energy_{r}", f"gnm_eta_{r}", f"gnm_gamma_{r}"]
    return out


def summary_row(fit_result: dict | None, rules=RULES) -> dict:
    """One summary row of a :func:`fit` result (None: a network not fitted, every value empty).

    gnm_fitted (bool); gnm_best_rule: the rule of lowest minimum energy (first in ``rules`` on ties;
    '' when not fitted); gnm_best_energy: that energy; per rule the minimum energy over its samples
    and the (eta, gamma) of that sample (NaN when not fitted).
    """
    row = dict.fromkeys(summary_columns(rules), np.nan)
    row.update(gnm_fitted=fit_result is not None, gnm_best_rule="")
    if fit_result is None:
        return row
    missing = [r for r in rules if r not in fit_result]
    if missing:
        raise ValueError(f"summary_row: the fit result lacks the rule(s) {missing}")
    for rule in rules:
        r, res = column_suffix(rule), fit_result[rule]
        row[f"gnm_energy_{r}"] = float(res["best_energy"])
        row[f"gnm_eta_{r}"] = float(res["best_eta"])
        row[f"gnm_gamma_{r}"] = float(res["best_gamma"])
    best = min(rules, key=lambda rule: (float(fit_result[rule]["best_energy"]), list(rules).index(rule)))
    row.update(gnm_best_rule=best, gnm_best_energy=float(fit_result[best]["best_energy"]))
    return row
