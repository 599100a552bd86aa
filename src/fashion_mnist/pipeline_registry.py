"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Each pipeline that needs the scaled arrays includes ``data_processing``, so
    that ``kedro run --pipelines <name>`` works on a fresh clone without a
    separate data-processing run. The default pipeline is the lab's Task 1.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = find_pipelines(raise_errors=True)
    data_processing = pipelines["data_processing"]
    for name in ("modeling", "benchmarking"):
        if name in pipelines:
            pipelines[name] = data_processing + pipelines[name]
    pipelines["__default__"] = pipelines.get("modeling", data_processing)
    return pipelines
