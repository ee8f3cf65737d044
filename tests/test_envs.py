"""The conda environments (one per rule) against the one source of versions, requirements.txt.

No conda channel is reachable from our machines, so the environments cannot be created here; they are
checked statically: every rule names an existing env, every env pins exactly the versions of
requirements.txt, and every third-party package a rule's job imported (logged by the tiny run) is
in its env."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ENVS = REPO / "envs"
RULES = REPO / "workflow" / "rules"


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements() -> dict[str, str]:
    """requirements.txt and the optional requirements-neurogym.txt: name -> version."""
    out = {}
    lines = (REPO / "requirements.txt").read_text().splitlines()
    lines += (REPO / "requirements-neurogym.txt").read_text().splitlines()
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            out[norm(name)] = version
    return out


def env_pins(path: Path) -> dict[str, str]:
    env = yaml.safe_load(path.read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                name, version = line.split("==")
                pins[norm(name)] = version
        elif dep.startswith("python="):
            pins["python"] = dep.split("=", 1)[1]
    return pins


def rule_envs() -> dict[str, tuple[str, str]]:
    """rule name -> (env file, script) from the rule files."""
    out = {}
    for smk in RULES.glob("*.smk"):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0].strip()
            conda = re.search(r'conda:\s*\n\s*"([^"]+)"', block)
            script = re.search(r'script:\s*\n\s*"([^"]+)"', block)
            out[name] = (
                (RULES / conda.group(1)).resolve() if conda else None,
                (RULES / script.group(1)).resolve() if script else None,
            )
    return out


def test_every_rule_names_an_existing_env():
    envs = rule_envs()
    assert {
        "generate_dataset",
        "train",
        "binarise",
        "compute_metrics",
        "aggregate",
        "record_activity",
        "compute_function",
        "comparison",
        "plot_figures",
    } <= set(envs)
    for rule, (env, _) in envs.items():
        assert env is not None and env.is_file(), f"rule {rule} has no conda env file ({env})"


@pytest.mark.parametrize("env", sorted(ENVS.glob("*.yaml")), ids=lambda p: p.name)
def test_env_pins_exactly_the_requirements(env):
    req = requirements()
    pins = env_pins(env)
    assert pins.pop("python") == f"{sys.version_info.major}.{sys.version_info.minor}"
    if env.name == "neurogym.yaml":  # neurogym's own pins of numpy, scipy, matplotlib (see the env)
        for name, spec in neurogym_pins().items():
            assert name in pins and pins.pop(name).startswith(spec), (name, spec)
    for name, version in pins.items():
        assert name in req, f"{env.name}: {name} is not in requirements.txt"
        assert req[name] == version, f"{env.name}: {name}=={version}, requirements.txt has {req[name]}"


def neurogym_pins() -> dict[str, str]:
    """numpy, scipy, matplotlib: the version prefix neurogym's metadata declares ("2.1." for 2.1.*)."""
    from importlib.metadata import requires

    out = {}
    for line in requires("neurogym"):
        name, _, spec = line.partition("==")
        if norm(name) in ("numpy", "scipy", "matplotlib") and "extra" not in spec:
            out[norm(name)] = spec.strip().rstrip("*")
    return out


LOGGED = {"tensorflow": "tensorflow-cpu", "keras": "keras", "yaml": "pyyaml", "bct": "bctpy"}


@pytest.mark.slow
def test_each_env_has_what_its_rule_used(tiny_run):
    """Every job of the tiny run logs the packages it had imported when it finished (``packages
    used:``); each must be in the rule's env at the version of requirements.txt."""
    envs = rule_envs()
    logs = tiny_run / "results" / "logs"
    checked, problems = set(), []
    for log in logs.rglob("*.log"):
        rel = log.relative_to(logs)
        rule = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        line = [ln for ln in log.read_text().splitlines() if ln.startswith("packages used:")]
        assert line, f"{rel} has no 'packages used:' line"
        pins = env_pins(envs[rule][0])
        items = dict(item.split("==", 1) for item in line[-1].split(":", 1)[1].split())
        if rule == "fit_generative":  # which routine computed the GNM powers (not a package)
            assert items.get("gnm_powers", "").startswith(("numpy-SVML(", "libm-scalar(")), (rel, items)
        for name, version in items.items():
            if name in ("python", "sernn", "gnm_powers"):
                continue
            dist = norm(LOGGED.get(name, name))
            if pins.get(dist) != version:
                problems.append(
                    f"rule {rule} used {dist}=={version}; {envs[rule][0].name} has {pins.get(dist)}"
                )
        checked.add(rule)
    assert not problems, "\n".join(sorted(set(problems)))
    assert {
        "generate_dataset",
        "train",
        "compute_metrics",
        "record_activity",
        "compute_function",
        "aggregate",
        "plot_figures",
    } <= checked


@pytest.mark.slow
def test_generative_files_name_the_power_routine(tiny_run):
    """The GNM files record, like the fit job's log, which routine computed the powers."""
    import json

    import h5py

    files = sorted((tiny_run / "results" / "generative").rglob("*.h5"))
    assert files
    logs = sorted((tiny_run / "results" / "logs" / "fit_generative").rglob("*.log"))
    logged = {
        ln.split("gnm_powers==")[1].split()[0]
        for log in logs
        for ln in log.read_text().splitlines()
        if "gnm_powers==" in ln
    }
    for path in files:
        with h5py.File(path, "r") as f:
            versions = json.loads(f.attrs["versions"])
        assert versions["gnm_powers"] in logged, (path, versions.get("gnm_powers"), logged)


def test_lint_has_no_findings():
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Congratulations, your workflow is in a good condition!" in out, out


def test_every_rule_sets_its_threads_and_resources():
    """Threads, memory and runtime are the rules' own (not a profile's): a rule without them would
    run with a profile's or Snakemake's defaults on SLURM. (Their values: test_workflow.)"""
    missing, checked = {}, set()
    for smk in RULES.glob("*.smk"):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0].strip()
            if name == "all":
                continue
            checked.add(name)
            resources = re.search(r"^    resources:\n((?:        .*\n)+)", block, re.M)
            keys = set(re.findall(r"^        (\w+)=", resources.group(1), re.M)) if resources else set()
            lacking = {"mem_mb", "runtime"} - keys | (
                {"threads"} - set(re.findall(r"^    (threads):", block, re.M))
            )
            if lacking:
                missing[name] = sorted(lacking)
    assert not missing
    assert checked == set(rule_envs()) - {"all"} and len(checked) == 14
