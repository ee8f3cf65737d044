rule binarise:
    input:
        networks=rules.train.output.networks,
    output:
        adjacency=f"{RESULTS}/binarised/{{regulariser}}/{{strength}}.h5",
    log:
        f"{RESULTS}/logs/binarise/{{regulariser}}/{{strength}}.log",
    conda:
        "../../envs/metrics.yaml"
    params:
        binarise=config["binarise"],
    script:
        "../scripts/binarise.py"


rule compute_metrics:
    input:
        networks=rules.train.output.networks,
        adjacency=rules.binarise.output.adjacency,
    output:
        table=f"{RESULTS}/metrics/{{regulariser}}/{{strength}}.h5",
    log:
        f"{RESULTS}/logs/compute_metrics/{{regulariser}}/{{strength}}.log",
    conda:
        "../../envs/metrics.yaml"
    params:
        metrics=config["metrics"],
        provenance=provenance("binarise", "metrics"),
    script:
        "../scripts/compute_metrics.py"
