# sernn-pipeline: train populations of spatially embedded RNNs and analyse their structure.
# Config: config.yaml (the embedded default), validated against workflow/schemas/config.schema.yaml.
from snakemake.utils import min_version

min_version("9.0")


configfile: os.path.join(workflow.basedir, "config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/integrity.smk"
include: "workflow/rules/dataset.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/structure.smk"
include: "workflow/rules/function.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/generative.smk"


check_chunks()  # every existing chunk directory against its record, before any job runs


rule all:
    default_target: True
    input:
        all_outputs(),
