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


rule generate_task:
    output:
        dataset=f"{RESULTS}/tasks/{{regulariser}}.h5",
    log:
        f"{RESULTS}/logs/generate_task/{{regulariser}}.log",
    conda:
        "../../envs/neurogym.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        task=lambda wildcards: POPULATIONS[wildcards.regulariser]["task"],
        dataset=config["dataset"],
    script:
        "../scripts/generate_task.py"
