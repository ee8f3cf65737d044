"""Figures from the tidy summary tables (matplotlib, Agg backend, PNG)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: The structural metrics plotted against strength, with axis labels.
STRUCTURE_PANELS = {
    "val_accuracy": "validation accuracy",
    "modularity": "modularity Q",
    "small_worldness": "small-worldness sigma",
    "clustering": "mean clustering C",
    "path_length": "char. path length L",
    "efficiency": "global efficiency E",
    "total_weight": "total weight sum|W|",
    "weighted_edge_length": "weighted edge length sum|W|D",
    "weight_distance_corr": "corr(weight, distance)",
    "weighted_efficiency": "weighted efficiency",
    "matching_index": "mean matching index",
    "density": "density",
}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def colours(names) -> dict[str, tuple]:
    """A fixed colour per regulariser name (seRNN and L1 always the same)."""
    plt = _plt()
    fixed = {"seRNN": "tab:red", "L1": "tab:blue", "spatial": "tab:green",
             "communicability": "tab:purple"}
    cycle = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"][4:] * 10)
    return {n: fixed.get(n) or next(cycle) for n in names}


def save(fig, path: str | Path) -> None:
    """Atomic PNG write."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.png")
    try:
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
        _plt().close(fig)


def metrics_vs_strength(csv: str | Path, output: str | Path, analysis: dict,
                        panels: dict[str, str] | None = None) -> None:
    """Each metric at the analysed epoch against strength, one line per regulariser (mean over the
    seeds that pass the accuracy filter; every network as a dot, hollow if it fails the filter)."""
    import pandas as pd

    plt = _plt()
    df = pd.read_csv(csv)
    epoch = min(analysis["epoch"], int(df["epoch"].max()))
    at = df[df["epoch"] == epoch]
    panels = {k: v for k, v in (panels or STRUCTURE_PANELS).items() if k in at.columns}
    ncol = 4
    nrow = int(np.ceil(len(panels) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3.2 * nrow), squeeze=False)
    cmap = colours(sorted(at["regulariser"].unique()))
    log_x = bool((at["strength"] > 0).all())
    for ax, (col, label) in zip(axes.flat, panels.items()):
        for reg, g in at.groupby("regulariser"):
            c = cmap[reg]
            ok = g[g["passes_accuracy_filter"]]
            ax.scatter(ok["strength"], ok[col], color=c, s=14)
            bad = g[~g["passes_accuracy_filter"]]
            ax.scatter(bad["strength"], bad[col], facecolors="none", edgecolors=c, s=14)
            mean = ok.groupby("strength")[col].mean()
            ax.plot(mean.index, mean.values, color=c, label=reg)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("regularisation strength")
        if log_x:
            ax.set_xscale("log")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"Structure at epoch {epoch} (lines: mean over networks with validation accuracy "
                 f">= {analysis['accuracy_threshold']}; hollow: fails the filter)", fontsize=10)
    fig.tight_layout()
    save(fig, output)
