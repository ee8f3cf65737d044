rule train:
    input:
        dataset=rules.generate_dataset.output.dataset,
        coordinates=coordinates_input,
    output:
        networks=f"{RESULTS}/networks/{{regulariser}}/{{strength}}.h5",
    log:
        f"{RESULTS}/logs/train/{{regulariser}}/{{strength}}.log",
    conda:
        "../../envs/train.yaml"
    threads: 1
    params:
        population=population_params,
        seeds=config["seeds"],
        model=config["model"],
        training=config["training"],
        provenance=provenance("seeds", "dataset", "model", "training"),
    script:
        "../scripts/train.py"
