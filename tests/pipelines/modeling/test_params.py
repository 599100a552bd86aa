"""Modeling parameters are validated, by key, before anything is trained."""

from __future__ import annotations

import pytest
from kedro.framework.session import KedroSession
from pydantic import ValidationError

from fashion_mnist.pipelines.modeling.params import (
    AccuracyCheckParams,
    ModelParams,
    TrainingParams,
)


def test_defaults_match_the_lab():
    training = TrainingParams()
    assert (training.epochs, training.batch_size) == (10, 64)
    model = ModelParams()
    assert (model.optimizer, model.loss, model.metrics) == (
        "adam",
        "sparse_categorical_crossentropy",
        ["accuracy"],
    )
    assert AccuracyCheckParams().threshold == 0.90


@pytest.mark.parametrize(
    ("model", "value", "key"),
    [
        (TrainingParams, {"epoch": 3}, "epoch"),
        (TrainingParams, {"epochs": 0}, "epochs"),
        (TrainingParams, {"batch_size": 0}, "batch_size"),
        (ModelParams, {"architecture": "resnet"}, "architecture"),
        (AccuracyCheckParams, {"threshold": 1.5}, "threshold"),
        (AccuracyCheckParams, {"split": "validation"}, "split"),
    ],
)
def test_bad_values_are_rejected_by_the_models(model, value, key):
    with pytest.raises(ValidationError) as info:
        model.model_validate(value)
    assert key in str(info.value)


@pytest.mark.parametrize(
    ("runtime_params", "section", "key"),
    [
        ({"training": {"epoch": 3}}, "training", "epoch"),
        ({"model": {"architecture": "resnet"}}, "model", "architecture"),
        ({"training": {"epochs": 0}}, "training", "epochs"),
        ({"training": {"batch_size": 0}}, "training", "batch_size"),
        ({"accuracy_check": {"threshold": 1.5}}, "accuracy_check", "threshold"),
    ],
    ids=["typo-epoch", "unknown-architecture", "epochs-0", "batch-0", "threshold-1.5"],
)
def test_a_bad_parameter_stops_the_run_before_training(
    project, runtime_params, section, key
):
    with KedroSession.create(
        project_path=project, runtime_params=runtime_params
    ) as session:
        with pytest.raises(Exception) as info:
            session.run(pipeline_names=["modeling"])
    message = str(info.value)
    assert f"Parameter '{section}'" in message
    assert key in message
    # Stopped before any node ran: nothing was processed, trained or reported.
    assert not any((project / "data" / "05_model_input").glob("*.pkl"))
    assert not (project / "data" / "06_models" / "classifier.keras").exists()
