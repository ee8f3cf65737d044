rule train:
    input:
        dataset=rules.generate_dataset.output.dataset,
        coordinates=coordinates_input,
    output:
        networks=f"{RESULTS}/networks/{{regulariser}}/{{strength}}.h5",
    params:
        population=population_params,
        seeds=config["seeds"],
        model=config["model"],
        training=config["training"],
        provenance=provenance("seeds", "dataset", "model", "training"),
    threads: 1
    log:
        f"{RESULTS}/logs/train/{{regulariser}}/{{strength}}.log",
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/train.py"
