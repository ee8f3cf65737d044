# sernn-pipeline: train populations of spatially embedded RNNs and analyse their structure.
# Config: config.yaml (the embedded default) <- a preset it names <- the user's --configfile/--config,
# validated against workflow/schemas/config.schema.yaml (workflow/rules/common.smk).
from snakemake.utils import min_version

min_version("9.0")


configfile: os.path.join(workflow.basedir, "config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/integrity.smk"
include: "workflow/rules/dataset.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/structure.smk"
include: "workflow/rules/function.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/generative.smk"


# The summary rules run in the Snakemake process itself, never as cluster (SLURM) jobs.
localrules:
    all,
    aggregate,
    claims,
    comparison,
    plot_figures,
    plot_examples,
    plot_generative,


check_chunks()  # every existing chunk directory against its record, before any job runs


rule all:
    default_target: True
    input:
        all_outputs(),
