"""One source of every default: the schema. config.yaml (the embedded default) must hold exactly the
schema's defaults, and config/README.md's reference table must be the schema's rendering."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sernn import config as sc
from sernn import config_reference as ref

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def _leaves(tree: dict, prefix: str = ""):
    """(dotted key, value) of every leaf of a nested dict; ``regularisers`` is one leaf."""
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name != "regularisers":
            yield from _leaves(value, name + ".")
        else:
            yield name, value


def _schema_defaults(node: dict, prefix: str = "") -> dict:
    """{dotted key: default} of every key of the schema that states one (objects descended into)."""
    out = {}
    for name, sub in node.get("properties", {}).items():
        if "properties" in sub:
            out.update(_schema_defaults(sub, f"{prefix}{name}."))
        elif "default" in sub:
            out[f"{prefix}{name}"] = sub["default"]
    return out


def test_config_yaml_holds_the_schema_defaults():
    """Every key of config.yaml equals the schema's default, and filling config.yaml's gaps from the
    schema gives the same config as filling an empty one."""
    embedded = sc.load_yaml(REPO / "config.yaml")
    from_schema = sc.validate({}, SCHEMA)
    defaults = _schema_defaults(ref.load_schema(SCHEMA))
    disagree = {k: (v, defaults.get(k, "<no default>")) for k, v in _leaves(embedded) if defaults.get(k) != v}
    assert not disagree, f"config.yaml value vs schema default: {disagree}"
    assert sc.validate(embedded, SCHEMA) == from_schema


def test_every_schema_key_has_a_default_and_a_description():
    missing = [key for key, default, text in ref.rows(ref.load_schema(SCHEMA)) if not text]
    assert not missing, f"schema keys without a description: {missing}"


def test_config_readme_block_is_the_schema_rendering():
    text = (REPO / "config" / "README.md").read_text()
    assert ref.generated_block(text) == ref.render(ref.load_schema(SCHEMA)), (
        "config/README.md's reference is stale: run make config-reference"
    )


def test_generated_block_lists_every_default_of_the_schema():
    """The rendering itself: each leaf default of the schema appears in its row, as YAML would read it."""
    rendered = {key: default for key, default, _ in ref.rows(ref.load_schema(SCHEMA))}
    for key, value in _leaves(sc.validate({}, SCHEMA)):
        if key == "regularisers" or key.startswith("regularisers."):
            continue
        assert key in rendered, key
        assert yaml.safe_load(rendered[key]) == value, (key, rendered[key], value)


# Defaults stated in prose elsewhere: "`key` (default X)" or "`key` = X by default" in the docs.
_STATED = re.compile(r"`([a-z_]+(?:\.[a-z_]+)*)`,? \(?default:? `?([^`),;]+)`?")


def _parse(stated: str):
    """A stated value as YAML reads it, numbers written like 1e-5 included; None when unreadable."""
    try:
        value = yaml.safe_load(stated.strip())
    except yaml.YAMLError:
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


@pytest.mark.parametrize(
    "doc",
    [
        "README.md",
        "config/README.md",
        "benchmarks/README.md",
        "docs/methods.md",
        "docs/generative.md",
        "docs/cluster.md",
        "docs/format.md",
        "docs/testing.md",
    ],
)
def test_docs_state_no_default_the_schema_disagrees_with(doc):
    """Where a doc says "`section.key` (default VALUE)", VALUE is the schema's default."""
    path = REPO / doc
    if not path.exists():
        pytest.fail(f"{doc} is missing")
    defaults = _schema_defaults(ref.load_schema(SCHEMA))
    wrong = []
    for key, stated in _STATED.findall(path.read_text()):
        if key in defaults:
            value = _parse(stated)
            if value is not None and value != defaults[key]:
                wrong.append((key, stated, defaults[key]))
    assert not wrong, f"{doc} states defaults the schema disagrees with: {wrong}"
