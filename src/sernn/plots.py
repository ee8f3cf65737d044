"""Figures from the tidy summary tables and the network files (matplotlib, Agg backend, PNG).

Every figure takes file paths in and writes one PNG atomically; none reads anything but its inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import storage
from .analysis import ordered, strength_levels

#: Structural measures plotted against strength (column -> axis label).
STRUCTURE_PANELS = {
    "modularity": "modularity Q",
    "modularity_weighted": "weighted modularity Q of |W|",
    "small_worldness": "small-worldness sigma",
    "clustering_ratio": "C / C_null (the authors' sigma)",
    "clustering": "mean clustering C",
    "path_length": "char. path length L",
    "efficiency": "global efficiency E",
    "total_weight": "total weight sum|W|",
    "weighted_edge_length": "weighted edge length sum|W|D",
    "weight_distance_corr": "corr(weight, distance)",
    "weighted_efficiency": "weighted efficiency",
    "matching_index": "mean matching index",
    "clustering_z": "clustering z vs nulls",
    "path_length_z": "path length z vs nulls",
    "weight_entropy": "weight entropy H (nats)",
    "topological_entropy": "topological entropy ln lambda_max(A)",
    "spectral_radius": "spectral radius of W",
    "spectral_spread": "spectral spread of W",
}

#: Functional measures plotted against strength. Goal decoding (goal period) and choice decoding
#: (choice period) on the noise-free probe are 1 for every trained network and EV by goal in the
#: goal period about 0.95 (the activity is a function of the 8 problems): they stay in the table but
#: are not plotted. The delay's last step (the goal only in memory) and the training's input noise
#: are where networks differ.
FUNCTION_PANELS = {
    "energy": "energy: mean |activation|",
    "mixed_selectivity": "mixed selectivity r(EV goal, EV choice)",
    "ev_goal_delay_end": "EV by goal, last delay step",
    "ev_choice_mean": "EV by choices (choice period)",
    "decoding_goal_delay_end_noisy": "goal decoding, last delay step, input noise",
    "ev_goal_delay_end_noisy": "EV by goal, last delay step, input noise",
    "goal_cluster_z": "goal units: spatial clustering z",
    "choice_cluster_z": "choice units: spatial clustering z",
}

#: x axes of the measure-against figures: column -> axis label.
X_AXES = {"strength": "regularisation strength", "total_weight": "total weight sum|W|"}

#: Measures followed over training epochs.
TRAJECTORY_PANELS = {
    "val_accuracy": "validation accuracy",
    "modularity": "modularity Q",
    "small_worldness": "small-worldness sigma",
    "total_weight": "total weight sum|W|",
    "weight_distance_corr": "corr(weight, distance)",
    "weighted_edge_length": "weighted edge length",
}


#: Panel titles at their default height. Giving ``y`` turns off matplotlib's automatic title placement,
#: which on every draw measures all y tick labels again to dodge a y-axis offset text (15% of a
#: panel's drawing time); an offset text sits at the left edge and never reaches these centred titles
#: (the figures come out byte-identical, offset texts included).
PANEL_TITLE = {"fontsize": 10, "y": 1.0}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def colours(names) -> dict[str, str]:
    """A fixed colour per regulariser name (seRNN red and L1 blue always)."""
    fixed = {"seRNN": "tab:red", "L1": "tab:blue", "spatial": "tab:green", "communicability": "tab:purple"}
    spare = iter(["tab:orange", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray"] * 10)
    return {n: fixed.get(n) or next(spare) for n in names}


def save(fig, path: str | Path) -> None:
    """Atomic PNG write; closes the figure."""
    try:
        storage.atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        _plt().close(fig)


def _log_x(ax) -> None:
    """Log-scaled x axis with ticks at the decades only: the ~30 unlabelled minor ticks a log axis
    gets by default cost as much to lay out and draw as labelled ones (40% of a 12-panel figure)."""
    from matplotlib.ticker import NullLocator

    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())


def _grid(n_panels: int, ncol: int = 4, size=(4.0, 3.2)):
    plt = _plt()
    nrow = max(1, int(np.ceil(n_panels / ncol)))
    fig, axes = plt.subplots(nrow, ncol, figsize=(size[0] * ncol, size[1] * nrow), squeeze=False)
    for ax in list(axes.flat)[n_panels:]:
        ax.axis("off")
    return fig, axes


def _analysed(df, analysis: dict):
    epoch = min(int(analysis["epoch"]), int(df["epoch"].max()))
    return epoch, df[df["epoch"] == epoch]


def binned_means(x: np.ndarray, y: np.ndarray, n_bins: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Means of y in ``n_bins`` equal-width bins of log x (x > 0, finite pairs only): (bin centres
    (geometric), means), empty bins left out. x, y: (n,) floats."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0)
    if ok.sum() < 2 or x[ok].min() == x[ok].max():
        return x[ok], y[ok]
    edges = np.linspace(np.log(x[ok].min()), np.log(x[ok].max()), n_bins + 1)
    idx = np.clip(np.digitize(np.log(x[ok]), edges) - 1, 0, n_bins - 1)
    keep = np.bincount(idx, minlength=n_bins) > 0
    sums = np.bincount(idx, y[ok], minlength=n_bins)
    centres = np.exp((edges[:-1] + edges[1:]) / 2)
    return centres[keep], sums[keep] / np.bincount(idx, minlength=n_bins)[keep]


def against_strength(
    csv: str | Path,
    output: str | Path,
    analysis: dict,
    panels: dict[str, str],
    title: str,
    x: str = "strength",
    ncol: int = 4,
) -> None:
    """Each column of ``panels`` at the analysed epoch against ``x`` (a key of ``X_AXES``: strength
    or total weight), one colour per regulariser: dots are networks (hollow when failing the accuracy
    filter), lines the means over the networks passing it (per strength; against total weight, per
    bin of log total weight, ``binned_means``)."""
    import pandas as pd

    df = pd.read_csv(csv)
    epoch, at = _analysed(df, analysis)
    panels = {k: v for k, v in panels.items() if k != x and k in at.columns and at[k].notna().any()}
    fig, axes = _grid(len(panels), ncol=ncol)
    cmap = colours(ordered(at["regulariser"]))
    log_x = bool((at[x] > 0).all())
    for ax, (col, label) in zip(axes.flat, panels.items()):
        for reg in ordered(at["regulariser"]):
            g = at[at["regulariser"] == reg]
            ok, bad = g[g["passes_accuracy_filter"]], g[~g["passes_accuracy_filter"]]
            ax.scatter(ok[x], ok[col], color=cmap[reg], s=14)
            ax.scatter(bad[x], bad[col], facecolors="none", edgecolors=cmap[reg], s=14)
            if x == "strength":
                mean = ok.groupby("strength")[col].mean()
                ax.plot(mean.index, mean.values, color=cmap[reg], label=reg)
            else:
                ax.plot(
                    *binned_means(ok[x].to_numpy(float), ok[col].to_numpy(float)), color=cmap[reg], label=reg
                )
        ax.set_title(label, **PANEL_TITLE)
        ax.set_xlabel(X_AXES.get(x, x))
        if log_x:
            _log_x(ax)
    if panels:
        axes.flat[0].legend(fontsize=8)
    lines = "mean per strength" if x == "strength" else "mean per bin of log total weight"
    fig.suptitle(
        f"{title} at epoch {epoch}. Lines: {lines} over networks with validation accuracy >= "
        f"{analysis['accuracy_threshold']}; hollow dots fail that filter",
        fontsize=10,
    )
    fig.tight_layout()
    save(fig, output)


def accuracy_vs_strength(csv: str | Path, output: str | Path, analysis: dict) -> None:
    """Validation accuracy at the analysed epoch against strength, with the filter threshold."""
    import pandas as pd

    plt = _plt()
    df = pd.read_csv(csv)
    epoch, at = _analysed(df, analysis)
    fig, ax = plt.subplots(figsize=(6, 4))
    cmap = colours(ordered(at["regulariser"]))
    for reg in ordered(at["regulariser"]):
        g = at[at["regulariser"] == reg]
        ax.scatter(g["strength"], g["val_accuracy"], color=cmap[reg], s=16, label=reg)
        m = g.groupby("strength")["val_accuracy"].mean()
        ax.plot(m.index, m.values, color=cmap[reg])
    ax.axhline(
        analysis["accuracy_threshold"],
        color="k",
        ls="--",
        lw=1,
        label=f"filter {analysis['accuracy_threshold']}",
    )
    if (at["strength"] > 0).all():
        _log_x(ax)
    ax.set_xlabel("regularisation strength")
    ax.set_ylabel(f"validation accuracy at epoch {epoch}")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save(fig, output)


def trajectories(csv: str | Path, output: str | Path, analysis: dict) -> None:
    """Measures over training epochs for the low, mid and high strength of each regulariser
    (mean over seeds; line style = strength level)."""
    import pandas as pd

    df = pd.read_csv(csv)
    panels = {k: v for k, v in TRAJECTORY_PANELS.items() if k in df.columns}
    fig, axes = _grid(len(panels), ncol=3)
    cmap = colours(ordered(df["regulariser"]))
    styles = [":", "--", "-"]
    for ax, (col, label) in zip(axes.flat, panels.items()):
        for reg in ordered(df["regulariser"]):
            g = df[df["regulariser"] == reg]
            levels = strength_levels(g["strength"])
            for style, s in zip(styles[-len(levels) :], levels):
                m = g[g["strength"] == s].groupby("epoch")[col].mean()
                ax.plot(m.index, m.values, color=cmap[reg], ls=style, label=f"{reg} {s:g}")
        ax.set_title(label, **PANEL_TITLE)
        ax.set_xlabel("epoch")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(
        "Over training: low (dotted), mid (dashed) and high (solid) strength per regulariser, "
        "mean over seeds",
        fontsize=10,
    )
    fig.tight_layout()
    save(fig, output)


def function_over_time(
    windows_csv: str | Path, summary_csv: str | Path, output: str | Path, analysis: dict
) -> None:
    """Explained variance and decoding accuracy per time step within a trial at the analysed epoch,
    mean over networks passing the accuracy filter, per regulariser."""
    import pandas as pd

    win = pd.read_csv(windows_csv)
    summary = pd.read_csv(summary_csv)
    keys = ["regulariser", "strength", "seed", "epoch"]
    win = win.merge(summary[keys + ["passes_accuracy_filter"]], on=keys, how="left")
    epoch = min(int(analysis["epoch"]), int(win["epoch"].max()))
    passing = win["passes_accuracy_filter"].fillna(False)
    steps = win[(win["kind"] == "step") & (win["epoch"] == epoch) & passing]
    panels = {
        "decoding_goal": "goal decoding accuracy",
        "decoding_choice": "choice decoding accuracy",
        "decoding_correct": "correct-choice decoding accuracy",
        "ev_goal_mean": "mean EV by goal",
        "ev_choice_mean": "mean EV by choices",
        "ev_correct_mean": "mean EV by correct choice",
    }
    fig, axes = _grid(len(panels), ncol=3)
    cmap = colours(ordered(win["regulariser"]))
    for ax, (col, label) in zip(axes.flat, panels.items()):
        for reg in ordered(steps["regulariser"]):
            m = steps[steps["regulariser"] == reg].groupby("start")[col].mean()
            ax.plot(m.index, m.values, color=cmap[reg], label=reg)
        ax.set_title(label, **PANEL_TITLE)
        ax.set_xlabel("time step in trial")
        for edge in sorted(set(win.loc[win["window"].isin(["goal", "delay"]), "stop"])):
            ax.axvline(edge - 0.5, color="0.7", lw=0.8)
    if len(steps):
        axes.flat[0].legend(fontsize=8)
    fig.suptitle(
        f"Within a trial at epoch {epoch} (grey lines: end of goal and delay periods); "
        f"networks passing the accuracy filter",
        fontsize=10,
    )
    fig.tight_layout()
    save(fig, output)


def example_networks(
    networks: dict[str, str | Path],
    output: str | Path,
    analysis: dict,
    binarise_options: dict,
    gamma: float = 1.0,
    n_edges: int = 150,
) -> None:
    """One example network per regulariser (first seed that did not diverge, analysed epoch): |W|
    with units ordered by module (modularity partition of the binarised graph), and the units on
    their grid with the strongest connections drawn."""
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    from . import binarise as bz
    from . import modularity

    plt = _plt()
    names = list(networks)
    fig = plt.figure(figsize=(9, 4.2 * len(names)))
    for row, name in enumerate(names):
        nets = storage.read_networks(networks[name])
        epoch = min(int(analysis["epoch"]), next(iter(nets["seeds"].values()))["recurrent"].shape[0] - 1)
        # the first seed that did not diverge (else the first finite at the epoch); none: say so
        usable = sorted(
            (bool(d["attrs"]["diverged"]), s)
            for s, d in nets["seeds"].items()
            if np.isfinite(d["recurrent"][epoch]).all()
        )
        if not usable:
            ax = fig.add_subplot(len(names), 2, 2 * row + 1)
            ax.text(
                0.5,
                0.5,
                f"{name} strength {nets['attrs']['strength']:g}: every seed diverged\n"
                f"(non-finite weights at epoch {epoch})",
                ha="center",
                va="center",
            )
            ax.set_axis_off()
            continue
        seed = usable[0][1]
        rec = nets["seeds"][seed]["recurrent"]
        w = np.abs(rec[epoch])
        a = bz.undirected(bz.binarise(rec[epoch], **binarise_options))
        labels, q = modularity.spectral_modularity(a, gamma=gamma)
        order = np.lexsort((np.arange(len(labels)), labels))
        ax = fig.add_subplot(len(names), 2, 2 * row + 1)
        im = ax.imshow(w[np.ix_(order, order)], cmap="viridis", interpolation="nearest")
        bounds = np.flatnonzero(np.diff(labels[order])) + 0.5
        for b in bounds:
            ax.axhline(b, color="w", lw=0.6)
            ax.axvline(b, color="w", lw=0.6)
        fig.colorbar(im, ax=ax, fraction=0.046, label="|W|")
        ax.set_title(
            f"{name} strength {nets['attrs']['strength']:g} seed {seed} epoch {epoch}\n"
            f"|W| ordered by {labels.max() + 1} modules (Q = {q:.3f})",
            fontsize=9,
        )
        ax.set_xlabel("to unit")
        ax.set_ylabel("from unit")
        ax3 = fig.add_subplot(len(names), 2, 2 * row + 2, projection="3d")
        xyz = nets["coordinates"]
        ax3.scatter(*xyz.T, c=labels, cmap="tab10", s=18, depthshade=False)
        off = w.copy()
        np.fill_diagonal(off, 0)
        strongest = np.argsort(off, axis=None)[::-1][:n_edges]
        i, j = np.unravel_index(strongest, off.shape)
        top = off[i[0], j[0]] or 1.0
        rgba = np.zeros((len(i), 4))  # black, more opaque for stronger weights
        rgba[:, 3] = 0.15 + 0.6 * off[i, j] / top
        ax3.add_collection3d(Line3DCollection(np.stack([xyz[i], xyz[j]], axis=1), colors=rgba, lw=0.7))
        ax3.set_title(f"units on the grid (colour: module), {n_edges} strongest weights", fontsize=9)
    fig.tight_layout()
    save(fig, output)


def message(output: str | Path, text: str) -> None:
    """A figure holding only ``text`` (for outputs whose analysis was switched off)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 2))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center")
    save(fig, output)


# -- generative network models ------------------------------------------------------------------

#: The rule singled out by the authors (homophily: matching), plotted against strength and weight.
GNM_RULE = "matching"


def _gnm_at_epoch(df, analysis: dict, passing: bool = True):
    """The summary rows at the analysed epoch that were fitted by GNMs (and, with ``passing``, pass
    the accuracy filter)."""
    epoch = int(analysis["epoch"])
    at = df[df["epoch"] == epoch]
    if "gnm_fitted" not in at.columns:
        return epoch, at.iloc[:0]
    keep = at["gnm_fitted"].astype(str).str.lower() == "true"
    if passing:
        keep &= at["passes_accuracy_filter"].astype(bool)
    return epoch, at[keep]


def gnm_energy_by_rule(
    csv: str | Path,
    output: str | Path,
    analysis: dict,
    rules,
    prefix: str = "gnm_energy_",
    ylabel: str = "minimum energy over samples",
    protocol: str = "",
) -> None:
    """Energy of each GNM rule (columns ``<prefix><rule>``: the minimum ``gnm_energy_``, or the
    robust ``gnm_robust_energy_``) as box plots over the networks passing the accuracy filter at
    the analysed epoch, regularisers side by side (the authors' figure); dots are networks;
    ``protocol`` (how the fits were made) under the title. A figure saying so when no such network
    was fitted."""
    import pandas as pd

    from .generative import column_suffix

    epoch, at = _gnm_at_epoch(pd.read_csv(csv), analysis)
    if len(at) and f"{prefix}{column_suffix(rules[0])}" not in at.columns:
        message(output, f"no column {prefix}<rule> in the summary (fits of an older version?)")
        return
    if not len(at):
        message(output, f"no GNM fit at epoch {epoch} of a network passing the accuracy filter")
        return
    plt = _plt()
    regs = ordered(at["regulariser"])
    cmap = colours(regs)
    width = 0.8 / len(regs)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.75 * len(rules) * max(1, len(regs)) ** 0.5), 4.2))
    for k, reg in enumerate(regs):
        g = at[at["regulariser"] == reg]
        data = [g[f"{prefix}{column_suffix(r)}"].dropna().to_numpy(float) for r in rules]
        pos = np.arange(len(rules)) + (k - (len(regs) - 1) / 2) * width
        bp = ax.boxplot(
            data, positions=pos, widths=width * 0.9, patch_artist=True, showfliers=False, manage_ticks=False
        )
        for box in bp["boxes"]:
            box.set(facecolor=cmap[reg], alpha=0.45, edgecolor=cmap[reg])
        for p, values in zip(pos, data):
            ax.scatter(np.full(values.size, p), values, color=cmap[reg], s=6, zorder=3)
        ax.plot([], [], color=cmap[reg], lw=6, alpha=0.45, label=f"{reg} (n = {len(g)})")
    ax.set_xticks(np.arange(len(rules)), list(rules), rotation=45, ha="right")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    title = f"GNM fit per rule at epoch {epoch}, networks passing the accuracy filter"
    ax.set_title(title + (f"\n{_wrap(protocol)}" if protocol else ""), fontsize=10 if not protocol else 7)
    fig.tight_layout()
    save(fig, output)


def _wrap(text: str, width: int = 120) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def gnm_matching_by_epoch(
    csv: str | Path, output: str | Path, analysis: dict, epochs, rule: str = GNM_RULE, protocol: str = ""
) -> None:
    """The authors' figure at their protocol: ``rule``'s robust energy (``gnm_robust_energy_<rule>``)
    against regularisation strength, one panel per fitted epoch (``epochs``), one colour per
    regulariser; dots are networks passing the accuracy filter at that epoch, lines means per
    strength; ``protocol`` under the title. A panel says so when nothing was fitted there."""
    import pandas as pd

    from .generative import column_suffix

    df = pd.read_csv(csv)
    col = f"gnm_robust_energy_{column_suffix(rule)}"
    epochs = sorted(int(e) for e in epochs)
    fig, axes = _grid(len(epochs), ncol=min(4, len(epochs)), size=(4.2, 3.4))
    cmap = colours(ordered(df["regulariser"]))
    for ax, epoch in zip(axes.flat, epochs):
        _, at = _gnm_at_epoch(df, {"epoch": epoch})
        if not len(at) or col not in at:
            ax.text(0.5, 0.5, f"epoch {epoch}: no {rule} fit", ha="center", va="center")
            ax.set_axis_off()
            continue
        for reg in ordered(at["regulariser"]):
            g = at[at["regulariser"] == reg].dropna(subset=[col])
            ax.scatter(g["strength"], g[col], s=8, color=cmap[reg], alpha=0.6)
            mean = g.groupby("strength")[col].mean()
            ax.plot(mean.index, mean.to_numpy(), color=cmap[reg], lw=1.2, label=f"{reg} (n = {len(g)})")
        ax.set_xlabel(X_AXES["strength"])
        ax.set_ylabel(f"{rule}: robust energy")
        ax.legend(fontsize=7)
        ax.set_title(f"epoch {epoch}", **PANEL_TITLE)
    if protocol:
        fig.suptitle(_wrap(protocol, 160), fontsize=7)
    fig.tight_layout()
    save(fig, output)


def gnm_landscape(
    fits: dict[str, str | Path], output: str | Path, analysis: dict, rule: str = GNM_RULE
) -> None:
    """The (eta, gamma) energy landscape of one example network per regulariser (``fits``: name ->
    generative file): every sample of ``rule`` coloured by its energy, the best marked, for the first
    fitted seed at the analysed epoch (else its first fitted epoch)."""
    names = list(fits)
    fig, axes = _grid(len(names), ncol=min(3, max(1, len(names))), size=(4.6, 4.0))
    for ax, name in zip(axes.flat, names):
        gen = storage.read_generative(fits[name])
        strength = float(gen["attrs"]["strength"])
        found = [
            (e != int(analysis["epoch"]), e, s)
            for s, epochs in gen["seeds"].items()
            for e in epochs
            if rule in epochs[e]["rules"]
        ]
        if not found:
            ax.text(0.5, 0.5, f"{name} strength {strength:g}:\nno {rule!r} fit", ha="center", va="center")
            ax.set_axis_off()
            continue
        _, epoch, seed = min(found)
        res = gen["seeds"][seed][epoch]["rules"][rule]
        sc = ax.scatter(res["eta"], res["gamma"], c=res["energy"], cmap="viridis_r", s=10)
        b = int(res["best_index"])
        ax.scatter(
            res["eta"][b],
            res["gamma"][b],
            marker="*",
            s=180,
            facecolor="none",
            edgecolor="r",
            label=f"best E = {float(res['best_energy']):.3f}",
        )
        fig.colorbar(sc, ax=ax, label="energy")
        ax.set_xlim(*gen["attrs"]["eta_bounds"])
        ax.set_ylim(*gen["attrs"]["gamma_bounds"])
        ax.set_xlabel("eta (distance)")
        ax.set_ylabel("gamma (topology)")
        ax.legend(fontsize=8, loc="upper right")
        ax.set_title(f"{name} strength {strength:g} seed {seed} epoch {epoch}: {rule}", **PANEL_TITLE)
    fig.tight_layout()
    save(fig, output)


def generative_figures(
    csv: str | Path,
    fits: dict[str, str | Path],
    outputs: dict,
    analysis: dict,
    generative: dict,
    protocol: str = "",
) -> None:
    """The GNM figures: ``outputs`` boxes (``gnm_energy_by_rule``), robust (the same of the robust
    energies), by_epoch (``gnm_matching_by_epoch`` at the fitted epochs), strength and weight (the
    matching rule's minimum energy and the best rule's energy against strength and total weight,
    ``against_strength``), landscape (``gnm_landscape`` of ``fits``, the mid-strength networks).
    protocol: how the fits were made, printed on the robust and by-epoch figures."""
    import pandas as pd

    from .generative import column_suffix

    rules = list(generative["rules"])
    gnm_rule = GNM_RULE if GNM_RULE in rules else rules[0]
    gnm_energy_by_rule(csv, outputs["boxes"], analysis, rules)
    if "robust" in outputs:
        robust_label = "robust energy (mean over the best points' re-simulations)"
        gnm_energy_by_rule(
            csv, outputs["robust"], analysis, rules, "gnm_robust_energy_", robust_label, protocol
        )
    if "by_epoch" in outputs:
        epochs = generative.get("epochs") or [analysis["epoch"]]
        gnm_matching_by_epoch(csv, outputs["by_epoch"], analysis, epochs, gnm_rule, protocol)
    epoch, at = _gnm_at_epoch(pd.read_csv(csv), analysis, passing=False)  # failing: hollow dots
    panels = {
        f"gnm_energy_{column_suffix(gnm_rule)}": f"GNM {gnm_rule}: minimum energy",
        "gnm_best_energy": "GNM best rule: minimum energy",
    }
    for key, x in (("strength", "strength"), ("weight", "total_weight")):
        if len(at):
            against_strength(csv, outputs[key], analysis, panels, "GNMs", x=x, ncol=2)
        else:
            message(outputs[key], f"no network was fitted by GNMs at epoch {epoch}")
    gnm_landscape(fits, outputs["landscape"], analysis, gnm_rule)
