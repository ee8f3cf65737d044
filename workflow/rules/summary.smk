rule aggregate:
    input:
        tables=all_metric_tables(),
        function=all_function_tables(),
        generative=all_generative_tables(),
    output:
        csv=report(
            f"{RESULTS}/summary/metrics.csv",
            caption="../report/metrics_csv.rst",
            category="Tables",
        ),
        parquet=f"{RESULTS}/summary/metrics.parquet",
        windows=f"{RESULTS}/summary/function_windows.csv",
    log:
        f"{RESULTS}/logs/aggregate.log",
    conda:
        "../../envs/summary.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        analysis=config["analysis"],
        # the per-strength files inside the chunk directories above
        tables=chunk_files("metrics"),
        function=chunk_files("function") if config["function"]["enabled"] else [],
        generative=generative_files(),
    script:
        "../scripts/aggregate.py"


rule claims:
    input:
        csv=rules.aggregate.output.csv,
    output:
        csv=report(
            f"{RESULTS}/summary/claims.csv",
            caption="../report/claims.rst",
            category="1. Claims",
        ),
        controls=report(
            f"{RESULTS}/summary/claims_controls.csv",
            caption="../report/claims_controls.rst",
            category="1. Claims",
        ),
        best_rules=report(
            f"{RESULTS}/summary/gnm_best_rules.csv",
            caption="../report/gnm_best_rules.rst",
            category="1. Claims",
        ),
    log:
        f"{RESULTS}/logs/claims.log",
    conda:
        "../../envs/summary.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        analysis=config["analysis"],
        rules=config["generative"]["rules"],
        protocol=gnm_protocol(),
    script:
        "../scripts/claims.py"


rule comparison:
    input:
        csv=rules.aggregate.output.csv,
    output:
        csv=report(
            f"{RESULTS}/summary/comparison.csv",
            caption="../report/comparison.rst",
            category="Tables",
        ),
    log:
        f"{RESULTS}/logs/comparison.log",
    conda:
        "../../envs/summary.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        analysis=config["analysis"],
    script:
        "../scripts/comparison.py"


rule plot_figures:
    input:
        csv=rules.aggregate.output.csv,
        windows=rules.aggregate.output.windows,
    output:
        accuracy=report(
            f"{RESULTS}/summary/figures/accuracy_vs_strength.png",
            caption="../report/accuracy_vs_strength.rst",
            category="Accuracy",
        ),
        structure=report(
            f"{RESULTS}/summary/figures/metrics_vs_strength.png",
            caption="../report/metrics_vs_strength.rst",
            category="Structure",
        ),
        trajectories=report(
            f"{RESULTS}/summary/figures/trajectories.png",
            caption="../report/trajectories.rst",
            category="Structure",
        ),
        function=report(
            f"{RESULTS}/summary/figures/function_vs_strength.png",
            caption="../report/function_vs_strength.rst",
            category="Function",
        ),
        function_time=report(
            f"{RESULTS}/summary/figures/function_over_time.png",
            caption="../report/function_over_time.rst",
            category="Function",
        ),
        structure_weight=report(
            f"{RESULTS}/summary/figures/metrics_vs_total_weight.png",
            caption="../report/metrics_vs_total_weight.rst",
            category="Structure",
        ),
        function_weight=report(
            f"{RESULTS}/summary/figures/function_vs_total_weight.png",
            caption="../report/function_vs_total_weight.rst",
            category="Function",
        ),
    log:
        f"{RESULTS}/logs/plot_figures.log",
    conda:
        "../../envs/summary.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        analysis=config["analysis"],
        function_enabled=config["function"]["enabled"],
    script:
        "../scripts/plot_figures.py"


rule plot_examples:
    input:
        unpack(example_networks),
    output:
        figure=report(
            f"{RESULTS}/summary/figures/example_networks.png",
            caption="../report/example_networks.rst",
            category="Structure",
        ),
    log:
        f"{RESULTS}/logs/plot_examples.log",
    conda:
        "../../envs/summary.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        examples=example_files("networks"),
        analysis=config["analysis"],
        binarise=config["binarise"],
        gamma=config["metrics"]["modularity_gamma"],
    script:
        "../scripts/plot_examples.py"
