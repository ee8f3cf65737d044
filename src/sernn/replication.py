"""Replication across seed sets: the claims tables of runs that differ only in their seeds, side by
side, and a finding called robust only when it holds in every one of them.

A claims table (``results/summary/claims.csv``, ``sernn.claims.evaluate_claims``) has one row per
claim (and comparison: the control tables have ``group_b`` other than L1) with ``cohens_d``,
``ci_low``, ``ci_high``, ``p``, ``n_a``, ``n_b`` and ``verdict``. ``side_by_side`` joins several such
tables on (claim, group_a, group_b) and adds ``robust``:

- "holds": the verdict is "holds" in every run;
- "reversed": "reversed" in every run;
- "mixed": some run says holds or reversed and another does not (not robust);
- "not seen": no run sees it (every verdict "not seen" or "not tested", at least one tested);
- "not tested": not tested in any run.

Nothing here reads files; ``main`` is the command line (``python -m sernn.replication``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

KEYS = ("claim", "group_a", "group_b")
#: Columns of each run carried into the side-by-side table, suffixed with the run's name.
RUN_COLUMNS = ("n_a", "n_b", "cohens_d", "ci_low", "ci_high", "p", "verdict")
#: Carried too where a table has them (claims tables since Holm's adjustment).
OPTIONAL_COLUMNS = ("p_holm",)


def robust_verdict(verdicts) -> str:
    """The robust verdict of one claim from its verdicts in several runs (see the module doc)."""
    verdicts = [str(v) for v in verdicts]
    if not verdicts or all(v == "not tested" for v in verdicts):
        return "not tested"
    for seen in ("holds", "reversed"):
        if all(v == seen for v in verdicts):
            return seen
    if any(v in ("holds", "reversed") for v in verdicts):
        return "mixed"
    return "not seen"


def side_by_side(tables: dict):
    """One row per (claim, group_a, group_b) present in any of ``tables`` (run name -> claims
    DataFrame), with ``measure``, ``paper`` and, for each run r, the ``RUN_COLUMNS`` as ``<col>_<r>``
    (empty where the run lacks the row), then ``robust``. Rows keep the first run's order."""

    if not tables:
        raise ValueError("side_by_side needs at least one claims table")
    merged = None
    for name, table in tables.items():
        missing = [c for c in (*KEYS, "measure", "paper", *RUN_COLUMNS) if c not in table.columns]
        if missing:
            raise ValueError(f"claims table of run {name!r} lacks columns {missing}")
        cols = [*RUN_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in table.columns)]
        part = table[[*KEYS, "measure", "paper", *cols]].rename(columns={c: f"{c}_{name}" for c in cols})
        if merged is None:
            merged = part
        else:
            merged = merged.merge(part, on=[*KEYS, "measure", "paper"], how="outer", sort=False)
    # one row per claim in the order the runs list them (an outer merge sorts its keys)
    order = {}
    for table in tables.values():
        for key in table[list(KEYS)].astype(str).itertuples(index=False):
            order.setdefault(tuple(key), len(order))
    merged = merged.iloc[
        np.argsort(
            [order[tuple(k)] for k in merged[list(KEYS)].astype(str).itertuples(index=False)], kind="stable"
        )
    ]
    verdict_cols = [f"verdict_{name}" for name in tables]
    merged[verdict_cols] = merged[verdict_cols].fillna("not tested")
    merged["robust"] = [robust_verdict(r) for r in merged[verdict_cols].itertuples(index=False)]
    return merged.reset_index(drop=True)


def _cell(row, name: str) -> str:
    """One run's result of a claim as 'd [lo, hi], p (Holm), n a/b: verdict'."""
    d, lo, hi = (row[f"{c}_{name}"] for c in ("cohens_d", "ci_low", "ci_high"))
    p = row.get(f"p_holm_{name}", row[f"p_{name}"])
    if not (d == d):  # nan: not tested
        return row[f"verdict_{name}"]
    n = f"{int(row[f'n_a_{name}'])}/{int(row[f'n_b_{name}'])}"
    return f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}], p {p:.2g}, n {n}: {row[f'verdict_{name}']}"


def markdown(table, names) -> str:
    """The side-by-side table as Markdown: one row per claim, one column per run (d [95 % CI], p
    (Holm-adjusted where the table has it), n per group, verdict), then the robust verdict."""
    head = ["claim", "groups", *names, "robust"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for _, r in table.iterrows():
        groups = (
            f"{r['group_a']} vs {r['group_b']}"
            if r["group_b"] == r["group_b"]
            else f"{r['group_a']} (paired)"
        )
        cells = [str(r["claim"]), groups, *(_cell(r, n) for n in names), str(r["robust"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """``python -m sernn.replication NAME=claims.csv NAME=claims.csv ... --output side_by_side.csv``."""
    import pandas as pd

    from . import storage

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="NAME=path/to/claims.csv, one per run")
    parser.add_argument("--output", type=Path, required=True, help="the side-by-side CSV to write")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args(argv)
    tables = {}
    for spec in args.runs:
        name, sep, path = spec.partition("=")
        if not sep or not name.isidentifier() or not path:
            parser.error(f"run {spec!r}: expected NAME=path/to/claims.csv, NAME letters, digits or _")
        if not Path(path).is_file():
            parser.error(f"run {name!r}: no claims table at {path!r}")
        tables[name] = pd.read_csv(path)
    table = side_by_side(tables)
    storage.write_csv(table, args.output)
    if args.markdown:
        storage.atomic_write(args.markdown, lambda tmp: Path(tmp).write_text(markdown(table, list(tables))))
    for r in table.itertuples(index=False):
        verdicts = ", ".join(f"{n} {getattr(r, f'verdict_{n}')}" for n in tables)
        groups = f"{r.group_a} vs {r.group_b}" if r.group_b == r.group_b else f"{r.group_a}, paired"
        print(f"{r.claim} ({groups}): {verdicts} -> {r.robust}")


if __name__ == "__main__":
    main()
