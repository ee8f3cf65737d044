rule binarise:
    input:
        networks=rules.train.output.networks,
    output:
        adjacency=directory(f"{RESULTS}/binarised/{{regulariser}}/{{chunk}}"),
    log:
        f"{RESULTS}/logs/binarise/{{regulariser}}/{{chunk}}.log",
    conda:
        "../../envs/metrics.yaml"
    threads: 1
    resources:
        mem_mb=chunk_resource(1000),
        runtime=chunk_resource(5, per_network=1 / 10),
    params:
        labels=chunk_labels,
        binarise=config["binarise"],
    script:
        "../scripts/binarise.py"


rule compute_metrics:
    input:
        networks=rules.train.output.networks,
        adjacency=rules.binarise.output.adjacency,
    output:
        table=directory(f"{RESULTS}/metrics/{{regulariser}}/{{chunk}}"),
    log:
        f"{RESULTS}/logs/compute_metrics/{{regulariser}}/{{chunk}}.log",
    conda:
        "../../envs/metrics.yaml"
    threads: 1
    resources:
        mem_mb=chunk_resource(2000),
        runtime=chunk_resource(10, per_network=1 / 4),
    params:
        labels=chunk_labels,
        metrics=config["metrics"],
        provenance=provenance("binarise", "metrics"),
    script:
        "../scripts/compute_metrics.py"
