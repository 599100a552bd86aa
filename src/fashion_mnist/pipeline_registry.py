"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

from fashion_mnist.pipelines import data_processing

# Pipelines that start from the scaled arrays of data_processing.
NEEDS_MODEL_INPUT = ("modeling", "benchmarking")


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Each pipeline that needs the scaled arrays includes ``data_processing``, so
    that ``kedro run --pipelines <name>`` works on a fresh clone without a
    separate data-processing run. The default pipeline is the lab's Task 1:
    data processing, then modeling.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    # Kedro 1.7 may discover only the pipelines a run asks for, so the
    # data_processing pipeline is created here directly.
    pipelines = find_pipelines(raise_errors=True)
    processing = data_processing.create_pipeline()
    for name in NEEDS_MODEL_INPUT:
        if name in pipelines:
            pipelines[name] = processing + pipelines[name]
    if "__default__" in pipelines:
        pipelines["__default__"] = pipelines["modeling"]
    return pipelines
