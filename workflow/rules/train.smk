rule train:
    input:
        dataset=dataset_input,
        coordinates=coordinates_input,
        regulariser=regulariser_input,
    output:
        networks=directory(f"{RESULTS}/networks/{{regulariser}}/{{chunk}}"),
    log:
        f"{RESULTS}/logs/train/{{regulariser}}/{{chunk}}.log",
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=chunk_resource(4000, per_network=4),
        runtime=chunk_resource(10, per_network=1 / 2),
    params:
        labels=chunk_labels,
        population=population_params,
        seeds=config["seeds"],
        model=config["model"],
        training=config["training"],
        provenance=provenance("seeds", "dataset", "model", "training"),
    script:
        "../scripts/train.py"
