"""Project pipelines: what `kedro run --pipelines <name>` runs."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from fashion_mnist.defaults import DEFAULT_PIPELINE
from fashion_mnist.pipelines import (
    benchmarking,
    cross_validation,
    data_processing,
    inference,
    modeling,
    tuning,
)


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Every pipeline that trains starts with ``data_processing``, so that
    ``kedro run --pipelines <name>`` works on its own on a fresh clone: it reads
    the raw files and makes the scaled arrays it trains on in the same run.
    ``inference`` starts from a saved model and the user's images. The default
    pipeline is the lab's Task 1.
    """
    processing = data_processing.create_pipeline()
    training = processing + modeling.create_pipeline()
    pipelines = {
        "data_processing": processing,
        "modeling": training,
        "benchmarking": processing + benchmarking.create_pipeline(),
        "cross_validation": processing + cross_validation.create_pipeline(),
        "inference": inference.create_pipeline(),
        "tuning": processing + tuning.create_pipeline(),
    }
    return pipelines | {"__default__": pipelines[DEFAULT_PIPELINE]}
