"""The config reference, generated from the schema (workflow/schemas/config.schema.yaml).

The schema is the one source of every default and of every key's description; config/README.md
holds a rendering of it between two marker lines, written by ``make config-reference`` (this module
as a script) and compared with a fresh rendering by tests/test_defaults.py.

Run:  python -m sernn.config_reference [--check] [--schema PATH] [--readme PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
README = REPO / "config" / "README.md"
BEGIN = "<!-- BEGIN config reference: generated from the schema by make config-reference -->"
END = "<!-- END config reference -->"


def format_default(value) -> str:
    """A default as it would be written in a YAML config, on one line (``null`` for None)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        text = repr(value)  # YAML reads 1e-05 as a string: write 1.0e-05
        mantissa, e, exponent = text.partition("e")
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text
    if isinstance(value, list):
        return "[" + ", ".join(format_default(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_default(v)}" for k, v in value.items()) + "}"
    return str(value)


def _allowed(node: dict) -> str:
    """What the schema admits beyond the description: an enum, a range, a type list."""
    parts = []
    if "enum" in node:
        parts.append("one of " + ", ".join(str(v) for v in node["enum"]))
    for key, sign in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<=")):
        if key in node:
            parts.append(f"{sign} {node[key]}")
    return "; ".join(parts)


def rows(schema: dict, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key, default, description) for every key of the schema, depth first, in schema order;
    objects whose default is ``{}`` are descended into, a population's keys listed under ``<name>``."""
    out = []
    for name, node in schema.get("properties", {}).items():
        key = f"{prefix}{name}"
        nested = node.get("type") == "object" and "properties" in node
        if not nested or node.get("description"):
            default = format_default(node["default"]) if "default" in node and not nested else ""
            description = " ".join(str(node.get("description", "")).split())
            allowed = _allowed(node)
            text = f"{description} ({allowed})" if description and allowed else description or allowed
            out.append((key, default, text))
        if nested:
            out.extend(rows(node, key + "."))
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and "properties" in extra:
            out.extend(rows(extra, key + ".<name>."))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(schema: dict) -> str:
    """The Markdown table of ``rows(schema)`` between the marker lines."""
    lines = [BEGIN, "", "| key | default | description |", "| --- | --- | --- |"]
    for key, default, description in rows(schema):
        shown = f"`{_cell(default)}`" if default else ""
        lines.append(f"| `{key}` | {shown} | {_cell(description)} |")
    return "\n".join(lines + ["", END])


def load_schema(path: Path = SCHEMA) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def generated_block(text: str) -> str:
    """The marked block of a README's text (markers included); ValueError when it has none."""
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"no block between {BEGIN!r} and {END!r}")
    return text[start : stop + len(END)]


def update(readme: Path = README, schema: Path = SCHEMA) -> bool:
    """Rewrite the README's marked block from the schema; True when it changed."""
    text = readme.read_text()
    new = text.replace(generated_block(text), render(load_schema(schema)))
    if new != text:
        readme.write_text(new)
    return new != text


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 when the README's block is stale")
    p.add_argument("--schema", type=Path, default=SCHEMA)
    p.add_argument("--readme", type=Path, default=README)
    args = p.parse_args(argv)
    if args.check:
        stale = generated_block(args.readme.read_text()) != render(load_schema(args.schema))
        print(f"{args.readme}: {'stale, run make config-reference' if stale else 'up to date'}")
        return int(stale)
    print(f"{args.readme}: {'updated' if update(args.readme, args.schema) else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
