"""The parameter files that actually run: loaded as Kedro loads them, validated
by the pipelines' models, with the values the README promises."""

from __future__ import annotations

import pytest
from kedro.config import OmegaConfigLoader
from pydantic import ValidationError

from fashion_mnist.pipelines.benchmarking.params import BenchmarkParams
from fashion_mnist.pipelines.data_processing.params import DataProcessingParams
from fashion_mnist.pipelines.modeling.params import (
    AccuracyCheckParams,
    FiguresParams,
    ModelParams,
    TrainingParams,
)
from tests.helpers import PROJECT_ROOT

MODELS = {
    "data_processing": DataProcessingParams,
    "model": ModelParams,
    "training": TrainingParams,
    "accuracy_check": AccuracyCheckParams,
    "figures": FiguresParams,
    "benchmark": BenchmarkParams,
}


@pytest.fixture(scope="module")
def parameters() -> dict:
    loader = OmegaConfigLoader(
        conf_source=str(PROJECT_ROOT / "conf"), base_env="base", default_run_env="base"
    )
    return loader["parameters"]


def test_every_section_is_validated_by_its_model(parameters):
    assert set(parameters) == set(MODELS)
    for section, model in MODELS.items():
        model.model_validate(parameters[section])  # unknown keys are refused


def test_the_files_hold_the_documented_defaults(parameters):
    training = TrainingParams.model_validate(parameters["training"])
    assert (training.epochs, training.batch_size, training.seed) == (10, 64, 42)
    assert training.validation_split == 0.0
    model = ModelParams.model_validate(parameters["model"])
    assert model.architecture == "cnn"
    assert (model.optimizer, model.loss, model.metrics) == (
        "adam",
        "sparse_categorical_crossentropy",
        ["accuracy"],
    )
    gate = AccuracyCheckParams.model_validate(parameters["accuracy_check"])
    assert (gate.split, gate.threshold) == ("test", 0.90)
    processing = DataProcessingParams.model_validate(parameters["data_processing"])
    assert (processing.sample_limit, processing.preview_count) == (None, 15)
    benchmark = BenchmarkParams.model_validate(parameters["benchmark"])
    assert benchmark.architecture == "mlp"
    assert benchmark.batch_sizes == [32, 64, 128, 256, 512]
    assert benchmark.use_multiprocessing == [True, False]


@pytest.mark.parametrize(
    ("model", "value", "key"),
    [
        (TrainingParams, {"epoch": 3}, "epoch"),
        (TrainingParams, {"epochs": 0}, "epochs"),
        (TrainingParams, {"batch_size": 0}, "batch_size"),
        (ModelParams, {"architecture": "resnet"}, "architecture"),
        (AccuracyCheckParams, {"threshold": 1.5}, "threshold"),
        (AccuracyCheckParams, {"split": "validation"}, "split"),
        (FiguresParams, {"prediction_count": 0}, "prediction_count"),
    ],
)
def test_bad_values_are_rejected_by_key(model, value, key):
    with pytest.raises(ValidationError) as info:
        model.model_validate(value)
    assert key in str(info.value)
