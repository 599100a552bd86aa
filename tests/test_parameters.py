"""The parameter files that actually run: loaded as Kedro loads them, validated
by the pipelines' models, with the values the README promises."""

from __future__ import annotations

import pytest
from kedro.config import OmegaConfigLoader
from pydantic import ValidationError

from fashion_mnist.pipelines.benchmarking.params import BenchmarkParams
from fashion_mnist.pipelines.cross_validation.params import CrossValidationParams
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
    "cross_validation": CrossValidationParams,
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
    assert training == TrainingParams()  # every recipe value null: the recipe's
    assert (training.seed, training.validation_split) == (42, 0.0)
    assert training.performance.model_dump() == {
        "steps_per_execution": "auto",
        "precision": "auto",
        "input_pipeline": "auto",
        "jit_compile": "auto",
    }
    model = ModelParams.model_validate(parameters["model"])
    assert model.architecture == "cnn_bn"
    recipe = training.recipe(model.architecture)
    assert (recipe.epochs, recipe.batch_size, recipe.schedule) == (8, 128, "one_cycle")
    lab = training.recipe("mlp")  # `--params model.architecture=mlp` is the lab
    assert (lab.epochs, lab.batch_size, lab.schedule) == (10, 64, "constant")
    gate = AccuracyCheckParams.model_validate(parameters["accuracy_check"])
    assert (gate.split, gate.threshold) == ("test", 0.90)
    processing = DataProcessingParams.model_validate(parameters["data_processing"])
    assert (processing.sample_limit, processing.preview_count) == (None, 15)
    benchmark = BenchmarkParams.model_validate(parameters["benchmark"])
    assert benchmark.architecture == "mlp"
    assert benchmark.batch_sizes == [32, 64, 128, 256, 512]
    assert benchmark.use_multiprocessing == [True, False]
    assert benchmark.speed.architectures == ["mlp", "cnn_bn"]
    folds = CrossValidationParams.model_validate(parameters["cross_validation"])
    assert (folds.folds, folds.seed, folds.sample_limit) == (5, 42, None)
    assert folds.architectures == ["mlp", "cnn", "cnn_augmented", "cnn_bn"]
    assert folds.epochs is None and folds.batch_size is None


@pytest.mark.parametrize(
    ("model", "value", "key"),
    [
        (TrainingParams, {"epoch": 3}, "epoch"),
        (TrainingParams, {"epochs": 0}, "epochs"),
        (TrainingParams, {"batch_size": 0}, "batch_size"),
        (TrainingParams, {"schedule": "cyclic"}, "schedule"),
        (TrainingParams, {"augmentation": {"shift": 0.9}}, "shift"),
        (TrainingParams, {"performance": {"precision": "int8"}}, "precision"),
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
