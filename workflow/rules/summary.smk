rule aggregate:
    input:
        tables=all_metric_tables(),
    output:
        csv=f"{RESULTS}/summary/metrics.csv",
    params:
        analysis=config["analysis"],
    log:
        f"{RESULTS}/logs/aggregate.log",
    conda:
        "../../envs/summary.yaml"
    script:
        "../scripts/aggregate.py"


rule plot_metrics:
    input:
        csv=rules.aggregate.output.csv,
    output:
        figure=report(
            f"{RESULTS}/summary/figures/metrics_vs_strength.png",
            caption="../report/metrics_vs_strength.rst",
            category="Structure",
        ),
    params:
        analysis=config["analysis"],
    log:
        f"{RESULTS}/logs/plot_metrics.log",
    conda:
        "../../envs/summary.yaml"
    script:
        "../scripts/plot_metrics.py"
