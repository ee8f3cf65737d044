"""The workflow's steps as plain functions, one module per stage: paths and config sections in,
files out. Each Snakemake script is a few lines that call one of these inside ``sernn.jobs.job``;
tests call them without Snakemake. File formats belong to ``sernn.storage``, the science to the
modules named after it; the steps only read, call and write."""

import importlib

STAGES = ("common", "dataset", "training", "structure", "function", "generative", "summary")


def __getattr__(name: str):
    """``steps.<stage>`` imports that stage's module on first use (a job imports only its own)."""
    if name in STAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
