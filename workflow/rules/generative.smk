rule fit_generative:
    input:
        networks=rules.train.output.networks,
        adjacency=rules.binarise.output.adjacency,
    output:
        table=directory(f"{RESULTS}/generative/{{regulariser}}/{{chunk}}"),
    log:
        f"{RESULTS}/logs/fit_generative/{{regulariser}}/{{chunk}}.log",
    conda:
        "../../envs/metrics.yaml"
    threads: 1
    resources:
        mem_mb=chunk_resource(1000),
        runtime=chunk_resource(10, per_network=1),
    params:
        labels=generative_chunk_labels,
        generative=generative_params(),
        analysis=generative_analysis(),
        binarise=config["binarise"],
        provenance={
            **provenance("binarise"),
            "generative": generative_params(),
            "analysis": generative_analysis(),
        },
    script:
        "../scripts/fit_generative.py"


rule plot_generative:
    input:
        unpack(example_generative),
        csv=rules.aggregate.output.csv,
    output:
        boxes=report(
            f"{RESULTS}/summary/figures/gnm_energy_by_rule.png",
            caption="../report/gnm_energy_by_rule.rst",
            category="Generative models",
        ),
        strength=report(
            f"{RESULTS}/summary/figures/gnm_matching_vs_strength.png",
            caption="../report/gnm_matching_vs_strength.rst",
            category="Generative models",
        ),
        weight=report(
            f"{RESULTS}/summary/figures/gnm_matching_vs_total_weight.png",
            caption="../report/gnm_matching_vs_total_weight.rst",
            category="Generative models",
        ),
        landscape=report(
            f"{RESULTS}/summary/figures/gnm_landscape.png",
            caption="../report/gnm_landscape.rst",
            category="Generative models",
        ),
        by_epoch=report(
            f"{RESULTS}/summary/figures/gnm_matching_by_epoch.png",
            caption="../report/gnm_matching_by_epoch.rst",
            category="Generative models",
        ),
        robust=report(
            f"{RESULTS}/summary/figures/gnm_robust_by_rule.png",
            caption="../report/gnm_robust_by_rule.rst",
            category="Generative models",
        ),
    log:
        f"{RESULTS}/logs/plot_generative.log",
    conda:
        "../../envs/summary.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        examples=example_files("generative"),
        analysis=config["analysis"],
        generative=config["generative"],
        protocol=gnm_protocol(),
    script:
        "../scripts/plot_generative.py"
