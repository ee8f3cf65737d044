"""The workflow's config: composition (default <- preset <- user), validation against the JSON
schema with defaults, checks the schema cannot express, and the strength grid.

The workflow composes its config with Snakemake's own means (see ``workflow/rules/common.smk``):
``configfile:`` of config.yaml, then, when the config names a ``preset``, ``configfile:`` of
``config/<preset>.yaml`` (Snakemake applies the command line's ``--configfile``/``--config`` again
on top of every ``configfile:``), then ``snakemake.utils.validate`` against the schema, which fills
its defaults. Mappings merge key by key, as Snakemake merges them; the one exception is
``regularisers``: config.yaml does not set it (its default is the schema's), so the command line's
``regularisers`` are exactly the user's, and they replace a preset's whole mapping. ``compose``
computes the same config outside Snakemake (tests, benchmarks).

Errors are ``ConfigError`` with one message naming the key, the bad value and where it came from.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml

#: The key a user's config replaces as a whole (a preset's populations are not merged into the user's).
REPLACED = "regularisers"


class ConfigError(ValueError):
    """A config value is invalid; the message names the key and the value."""


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    with open(path) as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold a mapping, got {type(data).__name__}")
    return data


def merge(base: dict, override: dict) -> dict:
    """Deep merge as Snakemake merges config files (``snakemake.utils.update_config``): mappings
    merged key by key, anything else replaced. Returns a new dict."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def preset_file(name: str, presets_dir: str | Path) -> Path:
    """The file of the preset ``name``: ``<presets_dir>/<name>.yaml``. Raises ``ConfigError``
    naming the key ``preset`` and the known presets when there is none."""
    path = Path(presets_dir) / f"{name}.yaml"
    if not isinstance(name, str) or not path.is_file():
        known = sorted(p.stem for p in Path(presets_dir).glob("*.yaml"))
        raise ConfigError(
            f"config key preset = {name!r}: no preset file {str(path)!r} "
            f"(known presets: {', '.join(known) or 'none'})"
        )
    return path


def compose(default: dict, overrides: dict, presets_dir: str | Path) -> dict:
    """The config the workflow composes (before the schema's defaults): ``default`` (config.yaml),
    then the preset named by ``preset`` (``<presets_dir>/<name>.yaml``) if any, then the user's
    ``overrides`` (--configfile / --config), each merged as Snakemake merges (``merge``); the user's
    ``regularisers`` replace the preset's whole."""
    if REPLACED in default:
        raise ConfigError(
            f"config key {REPLACED}: the default config must leave it to the schema (else a user's "
            "populations would be merged into the default ones)"
        )
    out = merge(default, overrides)
    name = out.get("preset")
    if name:
        out = merge(merge(out, load_yaml(preset_file(name, presets_dir))), overrides)
        if REPLACED in overrides:
            out[REPLACED] = copy.deepcopy(overrides[REPLACED])
    return out


def _key(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<root>"


def _set_defaults(validator_class):
    from jsonschema import validators

    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


def validate(config: dict, schema_path: str | Path, source: str = "config") -> dict:
    """Validate ``config`` against the YAML JSON-schema at ``schema_path``, filling defaults in place.
    Raises ``ConfigError`` naming the first bad key and value. Returns ``config``."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    with open(schema_path) as fh:
        schema = yaml.safe_load(fh)
    validator = _set_defaults(Draft202012Validator)(schema)
    error = best_match(validator.iter_errors(config))
    if error is not None:
        raise ConfigError(
            f"invalid {source}: key {_key(error.absolute_path)} = {error.instance!r}: {error.message}"
        )
    return config


def schema_order(value: Any, schema: dict) -> Any:
    """``value`` with every mapping's keys in the schema's order (``properties``; keys the schema
    does not name, such as population names, keep their order after them), recursively. The rules'
    params are sections of the config, and Snakemake compares params as written: without one order,
    a config whose keys are merely listed in another order would rerun every job."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        extra = extra if isinstance(extra, dict) else {}
        keys = [k for k in props if k in value] + [k for k in value if k not in props]
        return {k: schema_order(value[k], props.get(k, extra)) for k in keys}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [schema_order(v, schema["items"]) for v in value]
    return value


def expand_strengths(spec: Any, key: str) -> list[float]:
    """A list of strengths, ``{"linspace": [start, stop, num]}`` (evenly spaced) or
    ``{"geomspace": [start, stop, num]}`` (evenly spaced in log, start and stop > 0). Values rounded to
    10 significant digits (the precision of the path labels). Raises ``ConfigError`` on negative or
    duplicate values."""
    if isinstance(spec, dict):
        (kind, (start, stop, num)), *_ = spec.items()
        if int(num) != num or num < 1:
            raise ConfigError(f"config key {key}.{kind}: num must be a positive integer, got {num!r}")
        if kind == "geomspace" and not (float(start) > 0 and float(stop) > 0):
            raise ConfigError(f"config key {key}.geomspace: start and stop must be > 0, got {[start, stop]}")
        space = {"linspace": np.linspace, "geomspace": np.geomspace}[kind]
        values = space(float(start), float(stop), int(num)).tolist()
    else:
        values = list(spec)
    out = [float(strength_label(float(v))) for v in values]
    for v in out:
        if not math.isfinite(v) or v < 0:
            raise ConfigError(f"config key {key}: strength {v!r} is not a finite number >= 0")
    labels = [strength_label(v) for v in out]
    dup = sorted({lab for lab in labels if labels.count(lab) > 1})
    if dup:
        raise ConfigError(f"config key {key}: strengths repeat ({', '.join(dup)})")
    return out


def strength_label(value: float) -> str:
    """The path label of a strength: 10 significant digits, e.g. 0.0012990000000000002 -> '0.001299'."""
    return f"{float(value):.10g}"


def chunks(labels: list[str], n_seeds: int, chunk_size: int) -> dict[str, list[str]]:
    """A population's strengths split into the chunks its jobs handle: consecutive strengths (in
    config order), all seeds of each, at most ``chunk_size`` networks per chunk but at least one
    strength. Chunk label -> strength labels; the label ``c<index>-n<networks>`` says how many
    networks the chunk holds (the cluster profile scales a job's resources with it)."""
    per = max(1, int(chunk_size) // max(1, int(n_seeds)))
    parts = [labels[i : i + per] for i in range(0, len(labels), per)]
    return {f"c{k:03d}-n{len(part) * n_seeds}": part for k, part in enumerate(parts)}


def populations(config: dict) -> dict[str, dict]:
    """Regulariser entry name -> {"type", "task", "strengths": [floats], "labels": [path labels],
    "chunks": {chunk label: [strength labels]}} (``chunks`` of ``config["chunk_size"]``)."""
    out = {}
    for name, entry in config["regularisers"].items():
        strengths = expand_strengths(entry["strengths"], f"regularisers.{name}.strengths")
        labels = [strength_label(s) for s in strengths]
        out[name] = {
            "type": entry.get("type", name),
            "task": entry.get("task", "maze"),
            "strengths": strengths,
            "labels": labels,
            "chunks": chunks(labels, len(config["seeds"]), config.get("chunk_size", 8)),
        }
    return out


def check(config: dict, base_dir: str | Path = ".") -> None:
    """Checks beyond the schema: the unit grid matches n_units, a coordinates file exists and has the
    right shape, regulariser types are known, strengths are valid, the binarisation keeps at least
    one edge, the accuracy bins increase, the claims compare two of the populations, the GNM rules
    and bounds are valid. Raises ``ConfigError``."""
    from .embedding import load_coordinates

    model = config["model"]
    n = model["n_units"]
    if model.get("coordinates"):
        path = Path(model["coordinates"])
        if not path.is_absolute():
            path = Path(base_dir) / path
        try:
            load_coordinates(path, n)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"config key model.coordinates = {model['coordinates']!r}: {exc}") from exc
    else:
        grid = model["grid"]
        if int(np.prod(grid)) != n:
            raise ConfigError(
                f"config key model.grid = {grid!r}: holds {int(np.prod(grid))} units, but model.n_units = {n}"
            )
    check_regulariser_types(config, base_dir)
    check_tasks(config)
    pops = populations(config)
    if not any(p["strengths"] for p in pops.values()):
        raise ConfigError("config key regularisers: no strengths given, nothing to train")
    if config["analysis"]["epoch"] > config["training"]["epochs"]:
        raise ConfigError(
            f"config key analysis.epoch = {config['analysis']['epoch']!r}: larger than "
            f"training.epochs = {config['training']['epochs']}"
        )
    fn = config.get("function", {})
    if fn.get("enabled") and fn["probe_trials"] > config["dataset"]["validation"]:
        raise ConfigError(
            f"config key function.probe_trials = {fn['probe_trials']!r}: more than the "
            f"{config['dataset']['validation']} validation problems (dataset.validation)"
        )
    for e in fn.get("epochs") or []:
        if e > config["training"]["epochs"]:
            raise ConfigError(
                f"config key function.epochs: epoch {e} > training.epochs = {config['training']['epochs']}"
            )
    b = config["binarise"]
    directed = b["symmetrise"] == "none"
    candidates = n * n if b["method"] == "quantile" else n * (n - 1) // (1 if directed else 2)
    if round(b["fraction"] * candidates) < 1:
        raise ConfigError(
            f"config key binarise.fraction = {b['fraction']!r}: keeps round(fraction x "
            f"{candidates}) = 0 of the {candidates} candidate weights of model.n_units = {n} "
            f"units ({b['method']}, symmetrise {b['symmetrise']}): every graph would be empty"
        )
    seeds = config["seeds"]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"config key seeds = {seeds!r}: seeds repeat")
    _check_analysis(config["analysis"], list(config["regularisers"]))
    _check_generative(config.get("generative") or {}, config["training"]["epochs"])
    if (config.get("generative") or {}).get("enabled"):
        _check_density(config, n)
        fitted_labels(config, pops)


def generative_density(config: dict) -> float:
    """The density of the GNM targets: ``generative.density``, or else ``binarise.fraction``."""
    density = (config.get("generative") or {}).get("density")
    return float(config["binarise"]["fraction"] if density is None else density)


def _check_density(config: dict, n: int) -> None:
    """``generative.density`` keeps at least one undirected edge of the target."""
    density = generative_density(config)
    b, gen = config["binarise"], config["generative"]
    directed = gen["target"] == "authors" or b["symmetrise"] == "none"
    quantile = gen["target"] == "binarised" and b["method"] == "quantile"
    candidates = n * n if quantile else n * (n - 1) // (1 if directed else 2)
    if round(density * candidates) < 1:
        given = (
            "generative.density"
            if gen.get("density") is not None
            else "binarise.fraction (generative.density: null)"
        )
        raise ConfigError(
            f"config key {given} = {density!r}: keeps round(density x {candidates}) = 0 of the "
            f"{candidates} candidate weights of the GNM target (target {gen['target']}): nothing to fit"
        )


def select_strengths(labels: list[str], window: dict, key: str) -> list[str]:
    """The labels of ``labels`` (config order) whose strength lies in [window min, window max]
    (None: unbounded), every ``window["every"]``-th of them from the first. Raises ``ConfigError``
    naming ``key`` when min > max or nothing is selected."""
    lo, hi, every = window.get("min"), window.get("max"), int(window.get("every", 1))
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(f"config key {key} = {window!r}: min {lo!r} > max {hi!r}")
    inside = [lab for lab in labels if (lo is None or float(lab) >= lo) and (hi is None or float(lab) <= hi)]
    out = inside[::every]
    if not out:
        raise ConfigError(
            f"config key {key} = {window!r}: selects none of the population's strengths "
            f"({labels[0]} to {labels[-1]}, {len(labels)} in all)"
        )
    return out


def fitted_labels(config: dict, pops: dict | None = None) -> dict[str, list[str]]:
    """Population name -> the strength labels whose networks GNMs are fitted to
    (``generative.strengths``; every label of a population not named there, none of one given
    ``false``). Windows of populations the run does not have are ignored (a preset's windows must
    not break a config that replaces the preset's populations). Raises ``ConfigError`` for a
    window that selects nothing."""
    pops = populations(config) if pops is None else pops
    windows = (config.get("generative") or {}).get("strengths") or {}
    out = {}
    for name, p in pops.items():
        window = windows.get(name, {})
        if window is False:
            out[name] = []
        else:
            out[name] = select_strengths(p["labels"], window, f"generative.strengths.{name}")
    return out


def check_regulariser_types(config: dict, base_dir: str | Path = ".") -> None:
    """Each population's ``type`` (default its name) is a built-in regulariser or a user function
    (``file.py:function`` relative to ``base_dir``, or ``module:function``) that loads, takes
    (w, distance, strength) and gives a finite value and gradient on a random W of ``model.n_units``
    units (``sernn.regularisers.check_user``), at the population's largest strength."""
    from . import regularisers

    for name, entry in config["regularisers"].items():
        kind = entry.get("type", name)
        if regularisers.is_user(kind):
            strengths = expand_strengths(entry["strengths"], f"regularisers.{name}.strengths")
            try:
                regularisers.check_user(
                    kind, config["model"]["n_units"], max(strengths, default=1.0), base_dir
                )
            except ValueError as exc:
                raise ConfigError(f"config key regularisers.{name}.type = {kind!r}: {exc}") from exc
        elif kind not in regularisers.REGULARISERS:
            raise ConfigError(
                f"config key regularisers.{name}: unknown regulariser {kind!r} "
                f"(expected one of {', '.join(regularisers.REGULARISERS)}, or a function of your own as "
                f"'path/file.py:function' or 'module:function'; set `type:` to use another name)"
            )


def check_tasks(config: dict) -> None:
    """A NeuroGym task (``task: {neurogym: <env id>, ...}``) can be made with its keywords and gives
    per-step trials with a discrete target (``sernn.neurogym_task.check``)."""
    for name, entry in config["regularisers"].items():
        task = entry.get("task", "maze")
        if isinstance(task, dict):
            from . import neurogym_task

            try:
                neurogym_task.check(task)
            except ValueError as exc:
                raise ConfigError(f"config key regularisers.{name}.task = {task!r}: {exc}") from exc


def _check_analysis(analysis: dict, names: list[str]) -> None:
    """The ``analysis`` section: accuracy bin edges strictly increasing; the claims' two groups
    distinct populations of the config (checked when it has two or more: with one there is nothing
    to compare and the claims table says "not tested")."""
    bins = analysis["accuracy_bins"]
    for lo, hi in zip(bins[:-1], bins[1:]):
        if not lo < hi:
            raise ConfigError(
                f"config key analysis.accuracy_bins = {bins!r}: bin edges must increase strictly "
                f"({lo!r} is followed by {hi!r})"
            )
    groups = analysis["claims"]["groups"]
    if len(names) < 2:
        return
    unknown = [g for g in groups if g not in names]
    if unknown:
        raise ConfigError(
            f"config key analysis.claims.groups = {groups!r}: {', '.join(map(repr, unknown))} "
            f"{'is not a population' if len(unknown) == 1 else 'are not populations'} of this config "
            f"(regularisers: {', '.join(names)})"
        )
    if groups[0] == groups[1]:
        raise ConfigError(f"config key analysis.claims.groups = {groups!r}: the two groups must differ")


def _check_generative(gen: dict, epochs: int) -> None:
    """The ``generative`` section: known rule names, bounds low < high, epochs that were trained."""
    if not gen.get("enabled"):
        return
    from .generative import RULES

    unknown = [r for r in gen["rules"] if r not in RULES]
    if unknown:
        raise ConfigError(
            f"config key generative.rules: unknown rule(s) {', '.join(map(repr, unknown))} "
            f"(expected names from {', '.join(RULES)})"
        )
    for key in ("eta_bounds", "gamma_bounds"):
        lo, hi = gen[key]
        if not lo < hi:
            raise ConfigError(f"config key generative.{key} = {gen[key]!r}: needs low < high")
    for e in gen.get("epochs") or []:
        if e > epochs:
            raise ConfigError(f"config key generative.epochs: epoch {e} > training.epochs = {epochs}")


def describe_generative(config: dict, fitted: dict[str, list[str]] | None = None) -> str:
    """One sentence stating how the GNMs of a run are fitted (for figure captions and titles):
    target and density, the fitted strengths of each population, epochs, search, robustness."""
    gen = config["generative"]
    if not gen.get("enabled"):
        return "generative network models disabled (generative.enabled: false)"
    pops = populations(config)
    fitted = fitted_labels(config, pops) if fitted is None else fitted
    windows = []
    for name, labels in fitted.items():
        if not labels:
            windows.append(f"{name} none")
            continue
        every = (gen.get("strengths") or {}).get(name, {}).get("every", 1)
        step = f", every {every}th" if every > 1 else ""
        span = labels[0] if len(labels) == 1 else f"{labels[0]}-{labels[-1]}"
        windows.append(f"{name} {span}{step} ({len(labels)} of {len(pops[name]['labels'])})")
    rob = gen.get("robust") or {}
    epochs = gen.get("epochs") or [config["analysis"]["epoch"]]
    return (
        f"target {gen['target']} at density {generative_density(config):g}; fitted strengths "
        f"{'; '.join(windows)}; epochs {', '.join(map(str, epochs))}; Voronoi search "
        f"{gen['levels']} levels x {gen['samples']} samples per rule ({gen['modelvar']}, epsilon "
        f"{gen['epsilon']:g}); robust energy: each rule's {rob.get('top_k', 10)} best points "
        f"re-simulated {rob.get('repeats', 5)} times"
    )
