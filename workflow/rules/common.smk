# Config composition and validation, and the helper functions the rules use for inputs and params.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

import sernn.config as sernn_config

REPO = Path(workflow.basedir)
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"

# default (config.yaml) <- preset (config/<preset>.yaml) <- the user's --configfile / --config
_overrides = getattr(workflow.config_settings, "overwrite_config", None) or {}
try:
    _composed = sernn_config.compose(
        sernn_config.load_yaml(REPO / "config.yaml"), dict(_overrides), REPO / "config"
    )
    sernn_config.validate(_composed, SCHEMA)
    sernn_config.check(_composed, base_dir=Path.cwd())
    POPULATIONS = sernn_config.populations(_composed)
except sernn_config.ConfigError as exc:
    raise WorkflowError(str(exc)) from None
config.clear()
config.update(_composed)

RESULTS = config["results"].rstrip("/")
REGULARISER_NAMES = list(POPULATIONS)


wildcard_constraints:
    regulariser="|".join(REGULARISER_NAMES),
    strength=r"[0-9][0-9.e+-]*",


def networks_path(regulariser, label):
    return f"{RESULTS}/networks/{regulariser}/{label}.h5"


def population_jobs():
    """(regulariser, strength label) of every training job."""
    return [(r, lab) for r, p in POPULATIONS.items() for lab in p["labels"]]


def all_metric_tables():
    return [f"{RESULTS}/metrics/{r}/{lab}.h5" for r, lab in population_jobs()]


def all_function_tables():
    if not config["function"]["enabled"]:
        return []
    return [f"{RESULTS}/function/{r}/{lab}.h5" for r, lab in population_jobs()]


def all_generative_tables():
    if not config["generative"]["enabled"]:
        return []
    return [f"{RESULTS}/generative/{r}/{lab}.h5" for r, lab in population_jobs()]


def generative_analysis():
    """The analysis keys a GNM fit depends on (so that changing others, e.g. the claims' bootstrap,
    does not rerun the fits)."""
    return {k: config["analysis"][k] for k in ("accuracy_threshold", "epoch")}


def example_generative(wildcards):
    """The GNM fit of each regulariser's mid-strength network (as ``example_networks``)."""
    return {
        name: path.replace(f"{RESULTS}/networks/", f"{RESULTS}/generative/", 1)
        for name, path in example_networks(wildcards).items()
    }


def example_networks(wildcards):
    """The mid-strength network of each regulariser, for the example-network figure."""
    out = {}
    for name, pop in POPULATIONS.items():
        labels = sorted(pop["labels"], key=float)
        out[name] = networks_path(name, labels[len(labels) // 2])
    return out


def all_outputs():
    return [
        f"{RESULTS}/summary/metrics.csv",
        f"{RESULTS}/summary/comparison.csv",
        f"{RESULTS}/summary/claims.csv",
        f"{RESULTS}/summary/figures/accuracy_vs_strength.png",
        f"{RESULTS}/summary/figures/example_networks.png",
    ] + generative_outputs()


def generative_outputs():
    """The GNM figures (the fits come with them), when GNMs are enabled."""
    if not config["generative"]["enabled"]:
        return []
    names = (
        "gnm_energy_by_rule",
        "gnm_matching_vs_strength",
        "gnm_matching_vs_total_weight",
        "gnm_landscape",
    )
    return [f"{RESULTS}/summary/figures/{n}.png" for n in names]


def population_params(wildcards):
    """The regulariser type, task and strength of one training job."""
    pop = POPULATIONS[wildcards.regulariser]
    if wildcards.strength not in pop["labels"]:
        raise WorkflowError(
            f"strength {wildcards.strength!r} is not in config regularisers."
            f"{wildcards.regulariser}.strengths ({', '.join(pop['labels'])})"
        )
    return {
        "type": pop["type"],
        "task": pop["task"],
        "strength": float(wildcards.strength),
    }


def coordinates_input(wildcards):
    """The coordinates file, when the config names one (so a change to it reruns training)."""
    return [config["model"]["coordinates"]] if config["model"].get("coordinates") else []


def provenance(*sections):
    """The config sections that produce an output, recorded in its HDF5 attributes."""
    return {s: config[s] for s in sections}
