rule generate_dataset:
    output:
        dataset=f"{RESULTS}/dataset.h5",
    log:
        f"{RESULTS}/logs/generate_dataset.log",
    conda:
        "../../envs/dataset.yaml"
    params:
        dataset=config["dataset"],
    script:
        "../scripts/generate_dataset.py"
