"""Steps of the summary rules: the tidy table of every network, the comparisons, the claims table and
the figures."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .. import storage
from ..jobs import say


def aggregate(
    metrics_paths: Iterable[str | Path],
    output_csv: str | Path,
    analysis: dict,
    function_paths: Iterable[str | Path] = (),
    windows_csv: str | Path | None = None,
    parquet: str | Path | None = None,
    generative_paths: Iterable[str | Path] = (),
):
    """Concatenate the per-job metric tables into one tidy CSV (one row per regulariser x strength x
    seed x epoch) with ``passes_accuracy_filter`` (validation accuracy >= threshold at that epoch and
    not diverged); functional measures (``function_paths``) join on (regulariser, strength, seed,
    epoch), empty at epochs not analysed functionally, and their per-window rows go to
    ``windows_csv``; the GNM summaries (``generative_paths``, the /table of ``fit_generative``) join
    the same way, empty at epochs not fitted. Returns the DataFrame."""
    import pandas as pd

    keys = ["regulariser", "strength", "seed", "epoch"]
    df = pd.concat([pd.DataFrame(storage.read_table(p)) for p in metrics_paths], ignore_index=True)
    function_paths = list(function_paths)
    if windows_csv and not function_paths:  # functional analysis switched off: an empty table
        storage.write_csv(pd.DataFrame(columns=keys), windows_csv)
    if function_paths:
        fn = pd.concat([pd.DataFrame(storage.read_table(p)) for p in function_paths], ignore_index=True)
        df = df.merge(fn, on=keys, how="left", validate="one_to_one")
        if windows_csv:
            win = pd.concat(
                [pd.DataFrame(storage.read_table(p, "windows")) for p in function_paths], ignore_index=True
            )
            order = keys + [c for c in win.columns if c not in keys]
            storage.write_csv(win[order].sort_values(keys, kind="stable"), windows_csv)
    generative_paths = list(generative_paths)
    if generative_paths:
        gn = pd.concat([pd.DataFrame(storage.read_table(p)) for p in generative_paths], ignore_index=True)
        df = df.merge(gn, on=keys, how="left", validate="one_to_one")
    df = df.sort_values(keys, kind="stable").reset_index(drop=True)
    df["passes_accuracy_filter"] = (df["val_accuracy"] >= analysis["accuracy_threshold"]) & ~df["diverged"]
    storage.write_csv(df, output_csv)
    if parquet:
        storage.write_parquet(df, parquet)
    at = df[df["epoch"] == analysis["epoch"]]
    failed = at[~at["passes_accuracy_filter"]]
    say(
        f"aggregate: {df[['regulariser', 'strength', 'seed']].drop_duplicates().shape[0]} networks, "
        f"{len(df)} rows -> {output_csv}"
    )
    say(
        f"at epoch {analysis['epoch']}: {len(at) - len(failed)} of {len(at)} networks pass the accuracy "
        f"filter (validation accuracy >= {analysis['accuracy_threshold']})"
    )
    for _, r in failed.iterrows():
        why = "diverged" if r["diverged"] else f"validation accuracy {r['val_accuracy']:.3f}"
        say(f"  fails filter: {r['regulariser']} strength {r['strength']:g} seed {r['seed']} ({why})")
    return df


def compare_populations(csv: str | Path, output: str | Path, analysis: dict):
    """The comparison table (``sernn.analysis.compare``) of the summary at the analysed epoch."""
    import pandas as pd

    from .. import analysis as an

    df = pd.read_csv(csv)
    table = an.compare(
        df,
        analysis["epoch"],
        analysis.get("accuracy_bins"),
        weight_degree=analysis.get("weight_degree", an.WEIGHT_DEGREE),
    )
    storage.write_csv(table, output)
    n_metrics = table["metric"].nunique() if len(table) else 0  # one population: no pairs, no rows
    say(f"comparison: {len(table)} rows ({n_metrics} metrics) -> {output}")
    return table


def paper_claims(
    csv: str | Path,
    output: str | Path,
    analysis: dict,
    controls: str | Path | None = None,
    best_rules: str | Path | None = None,
    rules=None,
):
    """The claims tables of the summary at the analysed epoch: ``output`` one row per claim of the
    paper, seRNN vs L1 (``sernn.claims.evaluate_claims``); ``controls`` seRNN vs each control
    population (``evaluate_controls``); ``best_rules`` how often each GNM rule (``rules``, default
    ``sernn.generative.RULES``) is a network's best, per regulariser (``best_rule_fractions``).
    analysis: the config's ``analysis`` section (epoch, weight_degree, claims: groups, alpha, n_boot,
    seed). Returns the main table."""
    import pandas as pd

    from .. import analysis as an
    from .. import claims

    opts = analysis.get("claims") or {}
    df = pd.read_csv(csv)
    common = {
        "alpha": opts.get("alpha", 0.05),
        "n_boot": opts.get("n_boot", 2000),
        "seed": opts.get("seed", 0),
        "degree": analysis.get("weight_degree", an.WEIGHT_DEGREE),
    }
    groups = tuple(opts.get("groups", ("seRNN", "L1")))
    table = claims.evaluate_claims(df, analysis["epoch"], groups=groups, **common)
    storage.write_csv(table, output)
    _say_claims(table, "claim")
    if controls is not None:
        control_table = claims.evaluate_controls(df, analysis["epoch"], reference=groups[0], **common)
        storage.write_csv(control_table, controls)
        _say_claims(control_table, "control claim")
    if best_rules is not None:
        from ..generative import RULES

        fractions = claims.best_rule_fractions(df, analysis["epoch"], list(rules or RULES))
        storage.write_csv(fractions, best_rules)
        for name, g in fractions.groupby("regulariser", sort=False):
            top = g.sort_values("fraction_robust", ascending=False, kind="stable").iloc[0]
            say(
                f"GNM best rules of {name}: {top['rule']} in {top['n_robust']} of {top['n_networks']} "
                f"networks by robust energy"
            )
    return table


def _say_claims(table, what: str) -> None:
    for _, r in table.iterrows():
        vs = r["group_b"] or "0"
        say(
            f"{what} {r['claim']} ({r['group_a']} vs {vs}): {r['measure']} {r['direction'] or '-'} "
            f"(paper: {r['paper']}), d {r['cohens_d']:.2f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}], "
            f"p {r['p']:.2g}, Holm {r['p_holm']:.2g}, n {r['n_a']}/{r['n_b']}: {r['verdict']}"
        )


def summary_figures(inputs, outputs, analysis: dict) -> None:
    """Every summary figure (``sernn.plots``). inputs: csv, windows; outputs: accuracy, structure,
    trajectories, function, function_time, structure_weight, function_weight (paths)."""
    import pandas as pd

    from .. import plots

    plots.accuracy_vs_strength(inputs.csv, outputs.accuracy, analysis)
    plots.against_strength(inputs.csv, outputs.structure, analysis, plots.STRUCTURE_PANELS, "Structure")
    plots.trajectories(inputs.csv, outputs.trajectories, analysis)
    plots.against_strength(
        inputs.csv,
        outputs.structure_weight,
        analysis,
        plots.STRUCTURE_PANELS,
        "Structure against total weight",
        x="total_weight",
    )
    has_function = len(pd.read_csv(inputs.windows)) > 0
    if has_function:
        plots.against_strength(inputs.csv, outputs.function, analysis, plots.FUNCTION_PANELS, "Function")
        plots.function_over_time(inputs.windows, inputs.csv, outputs.function_time, analysis)
        plots.against_strength(
            inputs.csv,
            outputs.function_weight,
            analysis,
            plots.FUNCTION_PANELS,
            "Function against total weight",
            x="total_weight",
        )
    else:
        for path in (outputs.function, outputs.function_time, outputs.function_weight):
            plots.message(path, "functional analysis disabled (config function.enabled: false)")
    say("figures written")
