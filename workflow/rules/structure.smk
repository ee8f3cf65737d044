rule binarise:
    input:
        networks=rules.train.output.networks,
    output:
        adjacency=f"{RESULTS}/binarised/{{regulariser}}/{{strength}}.h5",
    params:
        binarise=config["binarise"],
    log:
        f"{RESULTS}/logs/binarise/{{regulariser}}/{{strength}}.log",
    conda:
        "../../envs/metrics.yaml"
    script:
        "../scripts/binarise.py"


rule compute_metrics:
    input:
        networks=rules.train.output.networks,
        adjacency=rules.binarise.output.adjacency,
    output:
        table=f"{RESULTS}/metrics/{{regulariser}}/{{strength}}.h5",
    params:
        metrics=config["metrics"],
        provenance=provenance("binarise", "metrics"),
    log:
        f"{RESULTS}/logs/compute_metrics/{{regulariser}}/{{strength}}.log",
    conda:
        "../../envs/metrics.yaml"
    script:
        "../scripts/compute_metrics.py"
