"""Replication across seed sets (``sernn.replication``) on hand-made claims tables."""

import pandas as pd
import pytest

from sernn import replication


def table(verdicts, d=None):
    """A claims table with one row per verdict (claims c0, c1, ...; seRNN vs L1)."""
    n = len(verdicts)
    return pd.DataFrame(
        {
            "claim": [f"c{i}" for i in range(n)],
            "measure": [f"m{i}" for i in range(n)],
            "paper": ["seRNN > L1"] * n,
            "group_a": ["seRNN"] * n,
            "group_b": ["L1"] * n,
            "n_a": [10] * n,
            "n_b": [12] * n,
            "cohens_d": d if d is not None else [1.0] * n,
            "ci_low": [0.5] * n,
            "ci_high": [1.5] * n,
            "p": [0.01] * n,
            "verdict": verdicts,
        }
    )


@pytest.mark.parametrize(
    "verdicts, robust",
    [
        (["holds", "holds"], "holds"),
        (["holds", "not seen"], "mixed"),
        (["reversed", "reversed"], "reversed"),
        (["holds", "reversed"], "mixed"),
        (["not seen", "not tested"], "not seen"),
        (["not tested", "not tested"], "not tested"),
    ],
)
def test_robust_verdict(verdicts, robust):
    assert replication.robust_verdict(verdicts) == robust


def test_side_by_side_joins_runs_and_keeps_each_runs_values():
    a = table(["holds", "holds", "not seen"], d=[1.0, 2.0, 0.1])
    b = table(["holds", "not seen", "not seen"], d=[1.5, 0.2, -0.1])
    out = replication.side_by_side({"first": a.iloc[::-1], "second": b})
    assert out["claim"].tolist() == ["c2", "c1", "c0"]  # the first run's order
    out = out.iloc[::-1].reset_index(drop=True)
    assert out["robust"].tolist() == ["holds", "mixed", "not seen"]
    assert out["cohens_d_first"].tolist() == [1.0, 2.0, 0.1]
    assert out["cohens_d_second"].tolist() == [1.5, 0.2, -0.1]


def test_a_claim_missing_from_one_run_is_not_tested_there():
    a = table(["holds", "holds"])
    b = table(["holds"])
    out = replication.side_by_side({"a": a, "b": b})
    assert out.loc[out["claim"] == "c1", "verdict_b"].item() == "not tested"
    assert out.loc[out["claim"] == "c1", "robust"].item() == "mixed"


def test_a_table_without_verdicts_is_refused():
    with pytest.raises(ValueError, match="run 'b' lacks columns \\['verdict'\\]"):
        replication.side_by_side({"a": table(["holds"]), "b": table(["holds"]).drop(columns="verdict")})


def test_command_line_writes_the_table(tmp_path, capsys):
    table(["holds"]).to_csv(tmp_path / "a.csv", index=False)
    table(["not seen"]).to_csv(tmp_path / "b.csv", index=False)
    replication.main(
        [f"a={tmp_path / 'a.csv'}", f"b={tmp_path / 'b.csv'}", "--output", str(tmp_path / "o.csv")]
    )
    assert pd.read_csv(tmp_path / "o.csv")["robust"].tolist() == ["mixed"]
    assert "c0 (seRNN vs L1): a holds, b not seen -> mixed" in capsys.readouterr().out


def test_markdown_has_one_row_per_claim_and_each_runs_result():
    a = table(["holds", "not seen"], d=[1.0, 0.1])
    b = table(["holds", "holds"], d=[1.5, 0.9])
    b["p_holm"] = [0.02, 0.04]
    text = replication.markdown(replication.side_by_side({"a": a, "b": b}), ["a", "b"])
    lines = text.strip().split("\n")
    assert len(lines) == 4 and lines[0] == "| claim | groups | a | b | robust |"
    assert lines[2] == (
        "| c0 | seRNN vs L1 | +1.00 [+0.50, +1.50], p 0.01, n 10/12: holds "
        "| +1.50 [+0.50, +1.50], p 0.02, n 10/12: holds | holds |"
    )
    assert lines[3].endswith("| mixed |")
