rule generate_dataset:
    output:
        dataset=f"{RESULTS}/dataset.h5",
    params:
        dataset=config["dataset"],
    log:
        f"{RESULTS}/logs/generate_dataset.log",
    conda:
        "../../envs/dataset.yaml"
    script:
        "../scripts/generate_dataset.py"
