"""workflow/report/workflow.rst, the report's opening page, renders for every shipped config: the
Jinja template (with Snakemake's settings) gives reStructuredText that docutils accepts without a
warning, naming the run's populations and pointing at the claims table first."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from docutils.core import publish_parts

from sernn import config as sc

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "configfile",
    [
        None,
        "config/population.yaml",
        "config/replication.yaml",
        "config/paper.yaml",
        "tests/configs/tiny.yaml",
    ],
)
def test_workflow_description_renders(configfile):
    override = sc.load_yaml(REPO / configfile) if configfile else {}
    cfg = sc.compose(sc.load_yaml(REPO / "config.yaml"), override, REPO / "config")
    cfg = sc.validate(cfg, REPO / "workflow" / "schemas" / "config.schema.yaml")

    class Snakemake:  # what Snakemake passes to the global description
        config = cfg

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    text = env.from_string((REPO / "workflow" / "report" / "workflow.rst").read_text()).render(
        snakemake=Snakemake, categories={}, files={}
    )
    html = publish_parts(text, writer="html", settings_overrides={"report_level": 1, "halt_level": 1})
    body = html["html_body"]
    assert body.index("claims table") < body.index("The run")
    for name in cfg["regularisers"]:
        assert f">{name}<" in body, name
