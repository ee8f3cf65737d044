# Config composition and validation, and the helper functions the rules use for inputs and params.
import copy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

import sernn.config as sernn_config
from snakemake.utils import validate

REPO = Path(workflow.basedir)
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"

# The config: config.yaml (`configfile:` in the Snakefile) <- the preset it names (`configfile:`
# below; Snakemake applies the command line's --configfile/--config again over every `configfile:`)
# <- the user's. config.yaml leaves `regularisers` to the schema, so the `regularisers` config holds
# here are the user's: they replace a preset's whole mapping (not merged into it).
_user = {k: copy.deepcopy(config[k]) for k in [sernn_config.REPLACED] if k in config}
if config.get("preset"):
    try:
        _preset = sernn_config.preset_file(config["preset"], REPO / "config")
    except sernn_config.ConfigError as exc:
        raise WorkflowError(str(exc)) from None

    configfile: _preset

    config.update(_user)


try:
    try:
        validate(config, str(SCHEMA))  # fills the schema's defaults into config
    except Exception:
        # the same schema, for a message naming the key and the value (the best-matching error)
        sernn_config.validate(copy.deepcopy(config), SCHEMA)
        raise
    sernn_config.check(config, base_dir=Path.cwd())
    # one key order whatever order the config files list them in (the params compare as written)
    _ordered = sernn_config.schema_order(config, sernn_config.load_yaml(SCHEMA))
    for _key in _ordered:
        config.pop(_key)
        config[_key] = _ordered[_key]
    POPULATIONS = sernn_config.populations(config)
    # population -> the strength labels GNMs are fitted to (generative.strengths)
    FITTED = sernn_config.fitted_labels(config, POPULATIONS)
except sernn_config.ConfigError as exc:
    raise WorkflowError(str(exc)) from None

RESULTS = config["results"].rstrip("/")
REGULARISER_NAMES = list(POPULATIONS)


wildcard_constraints:
    regulariser="|".join(REGULARISER_NAMES),
    chunk=r"c[0-9]+-n[0-9]+",


def chunk_jobs():
    """(regulariser, chunk label) of every per-network job: each chunk of each population."""
    return [(r, c) for r, p in POPULATIONS.items() for c in p["chunks"]]


def chunk_dirs(stage):
    """The chunk directories of one stage (networks, metrics, ...), one per per-network job."""
    return [f"{RESULTS}/{stage}/{r}/{c}" for r, c in chunk_jobs()]


def chunk_files(stage):
    """The per-strength files inside the chunk directories of one stage, in chunk order."""
    return [
        f"{RESULTS}/{stage}/{r}/{c}/{lab}.h5" for r, c in chunk_jobs() for lab in POPULATIONS[r]["chunks"][c]
    ]


def network_file(stage, regulariser, label):
    """(chunk directory, file) of one strength of a population at one stage."""
    chunk = next(c for c, labs in POPULATIONS[regulariser]["chunks"].items() if label in labs)
    directory = f"{RESULTS}/{stage}/{regulariser}/{chunk}"
    return directory, f"{directory}/{label}.h5"


def chunk_labels(wildcards):
    """The strength labels of one chunk (the files its jobs write)."""
    chunks = POPULATIONS[wildcards.regulariser]["chunks"]
    if wildcards.chunk not in chunks:
        raise WorkflowError(
            f"chunk {wildcards.chunk!r} is not a chunk of config regularisers.{wildcards.regulariser} "
            f"at chunk_size {config['chunk_size']} ({', '.join(chunks)})"
        )
    return chunks[wildcards.chunk]


def chunk_networks(wildcards):
    """The networks of one chunk job: its strengths times the seeds (the `n<count>` of its label)."""
    return len(chunk_labels(wildcards)) * len(config["seeds"])


def chunk_resource(base, per_network=0):
    """A resource of a per-network rule, memory (mem_mb, in MB) or wall time (runtime, in
    minutes), for ``resources:``: ``base`` plus ``per_network`` per network of the job's chunk (rounded down),
    times ``attempt`` (1 on the first try; a job retried after running out of memory or time, see
    ``retries`` in profiles/slurm, asks for more). On SLURM these become ``sbatch --mem`` and ``-t``;
    a site's profile may override them per rule (``set-resources``).

    The rules' figures allow for slower cluster cores than the ones measured per network on one
    core: training 2-4.5 s, metrics with 1,000 nulls 0.3 s, function 0.4-0.7 s, the paper preset's
    GNM search 23-47 s (peak 201 MB). Memory grows little: a job holds one stack (training.stack) or
    one strength's seeds at a time, but a train job keeps every trained network of its chunk until
    it writes them (~0.5 MB each at 100 units and 10 epochs; 4 MB per network allowed)."""

    def resource(wildcards, attempt):
        return attempt * (base + int(per_network * chunk_networks(wildcards)))

    return resource


def all_metric_tables():
    return chunk_dirs("metrics")


def all_function_tables():
    if not config["function"]["enabled"]:
        return []
    return chunk_dirs("function")


def all_generative_tables():
    """The generative chunk directories: the chunks holding a strength GNMs are fitted to."""
    if not config["generative"]["enabled"]:
        return []
    return [f"{RESULTS}/generative/{r}/{c}" for r, c in generative_chunk_jobs()]


def generative_chunk_jobs():
    """(regulariser, chunk label) of every fit_generative job: chunks with a fitted strength."""
    return [(r, c) for r, c in chunk_jobs() if fitted_in(r, c)]


def fitted_in(regulariser, chunk):
    """The strength labels of one chunk that GNMs are fitted to (generative.strengths)."""
    fitted = set(FITTED[regulariser])
    return [lab for lab in POPULATIONS[regulariser]["chunks"][chunk] if lab in fitted]


def generative_files():
    """The per-strength generative files (of the fitted strengths), in chunk order."""
    if not config["generative"]["enabled"]:
        return []
    return [
        f"{RESULTS}/generative/{r}/{c}/{lab}.h5"
        for r, c in generative_chunk_jobs()
        for lab in fitted_in(r, c)
    ]


def generative_chunk_labels(wildcards):
    """The strength labels of one fit_generative job (its chunk's fitted strengths)."""
    return fitted_in(wildcards.regulariser, wildcards.chunk) if chunk_labels(wildcards) else []


def generative_params():
    """The generative section without ``strengths``: which networks are fitted changes the jobs,
    not the fits, so a new window reruns no fit it keeps."""
    return {k: v for k, v in config["generative"].items() if k != "strengths"}


def gnm_protocol():
    """How this run fits its GNMs, in one sentence (figure captions)."""
    return sernn_config.describe_generative(config, FITTED)


def generative_analysis():
    """The analysis keys a GNM fit depends on (so that changing others, e.g. the claims' bootstrap,
    does not rerun the fits)."""
    return {k: config["analysis"][k] for k in ("accuracy_threshold", "epoch")}


def example_labels(stage="networks"):
    """The mid-strength of each regulariser: its example network in the figures (for the
    generative stage, the mid-strength of the fitted ones)."""
    out = {}
    for name, pop in POPULATIONS.items():
        labels = sorted(FITTED[name] if stage == "generative" else pop["labels"], key=float)
        if labels:  # a population whose networks GNMs do not fit has no generative example
            out[name] = labels[len(labels) // 2]
    return out


def example_files(stage):
    """Regulariser -> the file of its example network at one stage (inside a chunk directory)."""
    return {name: network_file(stage, name, label)[1] for name, label in example_labels(stage).items()}


def example_chunks(stage):
    """Regulariser -> the chunk directory holding its example network at one stage (the input)."""
    return {name: network_file(stage, name, label)[0] for name, label in example_labels(stage).items()}


def example_generative(wildcards):
    return example_chunks("generative")


def example_networks(wildcards):
    return example_chunks("networks")


def all_outputs():
    return [
        f"{RESULTS}/summary/metrics.csv",
        f"{RESULTS}/summary/comparison.csv",
        f"{RESULTS}/summary/claims.csv",
        f"{RESULTS}/summary/claims_controls.csv",
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
        "gnm_matching_by_epoch",
        "gnm_robust_by_rule",
    )
    return [f"{RESULTS}/summary/figures/{n}.png" for n in names]


def population_params(wildcards):
    """The regulariser type and task of one training job's population."""
    pop = POPULATIONS[wildcards.regulariser]
    return {"type": pop["type"], "task": pop["task"]}


def dataset_input(wildcards):
    """The trials a population trains on: the maze dataset (tasks maze and random), or the
    population's own task file (a NeuroGym task, rule generate_task)."""
    if isinstance(POPULATIONS[wildcards.regulariser]["task"], dict):
        return f"{RESULTS}/tasks/{wildcards.regulariser}.h5"
    return f"{RESULTS}/dataset.h5"


def regulariser_input(wildcards):
    """A user regulariser's file (type "path/file.py:function"), so that a change to it retrains."""
    target = str(POPULATIONS[wildcards.regulariser]["type"]).rpartition(":")[0]
    return [target] if target.endswith(".py") else []


def coordinates_input(wildcards):
    """The coordinates file, when the config names one (so a change to it reruns training)."""
    return [config["model"]["coordinates"]] if config["model"].get("coordinates") else []


def provenance(*sections):
    """The config sections that produce an output, recorded in its HDF5 attributes."""
    return {s: config[s] for s in sections}
