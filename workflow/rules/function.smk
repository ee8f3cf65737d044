rule record_activity:
    input:
        dataset=rules.generate_dataset.output.dataset,
        networks=rules.train.output.networks,
    output:
        activity=f"{RESULTS}/activity/{{regulariser}}/{{strength}}.h5",
        noisy=f"{RESULTS}/activity_noisy/{{regulariser}}/{{strength}}.h5",
    log:
        f"{RESULTS}/logs/record_activity/{{regulariser}}/{{strength}}.log",
    conda:
        "../../envs/function.yaml"
    threads: 1
    params:
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
        table=f"{RESULTS}/function/{{regulariser}}/{{strength}}.h5",
    log:
        f"{RESULTS}/logs/compute_function/{{regulariser}}/{{strength}}.log",
    conda:
        "../../envs/function.yaml"
    params:
        function=config["function"],
        dataset=config["dataset"],
        provenance=provenance("function"),
    script:
        "../scripts/compute_function.py"
