rule generate_dataset:
    output:
        dataset=f"{RESULTS}/dataset.h5",
    log:
        f"{RESULTS}/logs/generate_dataset.log",
    conda:
        "../../envs/dataset.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        dataset=config["dataset"],
    script:
        "../scripts/generate_dataset.py"
