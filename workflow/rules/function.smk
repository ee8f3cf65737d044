rule record_activity:
    input:
        dataset=dataset_input,
        networks=rules.train.output.networks,
    output:
        activity=intermediate(directory(f"{RESULTS}/activity/{{regulariser}}/{{chunk}}")),
        noisy=intermediate(directory(f"{RESULTS}/activity_noisy/{{regulariser}}/{{chunk}}")),
    log:
        f"{RESULTS}/logs/record_activity/{{regulariser}}/{{chunk}}.log",
    conda:
        "../../envs/function.yaml"
    threads: 1
    resources:
        mem_mb=chunk_resource(4000),
        runtime=chunk_resource(10, per_network=1 / 4),
    params:
        labels=chunk_labels,
        function=config["function"],
        analysis=config["analysis"],
        noise_std=config["model"]["noise_std"],
        provenance=provenance("function", "analysis"),
    script:
        "../scripts/record_activity.py"


rule compute_function:
    input:
        activity=rules.record_activity.output.activity,
        noisy=rules.record_activity.output.noisy,
    output:
        table=directory(f"{RESULTS}/function/{{regulariser}}/{{chunk}}"),
    log:
        f"{RESULTS}/logs/compute_function/{{regulariser}}/{{chunk}}.log",
    conda:
        "../../envs/function.yaml"
    threads: 1
    resources:
        mem_mb=chunk_resource(2000),
        runtime=chunk_resource(10, per_network=1 / 2),
    params:
        labels=chunk_labels,
        function=config["function"],
        dataset=config["dataset"],
        provenance=provenance("function"),
    script:
        "../scripts/compute_function.py"
