"""The parameter files that actually run: loaded as Kedro loads them, validated
by the pipelines' models, with the values the README promises."""

from __future__ import annotations

import pytest
from kedro.config import OmegaConfigLoader
from kedro.framework.session import KedroSession
from pydantic import ValidationError

from fashion_mnist.defaults import ARCHITECTURE, SEED
from fashion_mnist.networks import NETWORKS, SHAPED
from fashion_mnist.pipelines.benchmarking.params import BenchmarkParams
from fashion_mnist.pipelines.cross_validation.params import CrossValidationParams
from fashion_mnist.pipelines.data_processing.params import DataProcessingParams
from fashion_mnist.pipelines.inference.params import InferenceParams
from fashion_mnist.pipelines.modeling.params import (
    AccuracyCheckParams,
    FiguresParams,
    ModelParams,
    TrainingParams,
)
from fashion_mnist.pipelines.tuning.params import TuningParams
from tests.helpers import PROJECT_ROOT

MODELS = {
    "data_processing": DataProcessingParams,
    "model": ModelParams,
    "training": TrainingParams,
    "accuracy_check": AccuracyCheckParams,
    "figures": FiguresParams,
    "benchmark": BenchmarkParams,
    "cross_validation": CrossValidationParams,
    "inference": InferenceParams,
    "tuning": TuningParams,
}


@pytest.fixture(scope="module")
def parameters() -> dict:
    loader = OmegaConfigLoader(
        conf_source=str(PROJECT_ROOT / "conf"), base_env="base", default_run_env="base"
    )
    return loader["parameters"]


@pytest.fixture(scope="module")
def globals_() -> dict:
    loader = OmegaConfigLoader(
        conf_source=str(PROJECT_ROOT / "conf"), base_env="base", default_run_env="base"
    )
    return loader["globals"]


@pytest.mark.parametrize("section", [s for s in MODELS if s != "inference"])
def test_the_code_defaults_are_the_files_values(parameters, section):
    """The YAML files are the parameters' home; the pydantic models' defaults
    (what code and tests get without the files) must say the same."""
    assert (
        MODELS[section]().model_dump()
        == MODELS[section].model_validate(parameters[section]).model_dump()
    )


def test_the_image_folder_is_named_once(parameters, globals_):
    folder = globals_["inference"]["new_images"]
    assert parameters["inference"]["image_folder"] == folder == "data/01_raw/new_images"
    with pytest.raises(ValidationError):  # no default of its own in the code
        InferenceParams()


def test_the_defaults_are_written_once_in_the_configuration(parameters, globals_):
    """globals.yml holds the default architecture and seed; the parameter files
    take them from there, and the code's copies say the same."""
    assert globals_["defaults"] == {"architecture": ARCHITECTURE, "seed": SEED}
    assert parameters["model"]["architecture"] == ARCHITECTURE
    assert parameters["tuning"]["architecture"] == ARCHITECTURE
    assert parameters["training"]["seed"] == parameters["tuning"]["sampler"]["seed"]
    assert parameters["training"]["seed"] == SEED
    for name in ("parameters_modeling.yml", "parameters_tuning.yml"):
        text = (PROJECT_ROOT / "conf" / "base" / name).read_text()
        assert "${globals:defaults.architecture}" in text
        assert "${globals:defaults.seed}" in text


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
    assert folds.folds == 5
    assert folds.architectures == ["mlp", "cnn", "cnn_augmented", "cnn_bn"]
    assert folds.epochs is None and folds.batch_size is None


def _comment_lines(name: str) -> list[str]:
    """The comments of a parameter file in conf/base, one string per line."""
    text = (PROJECT_ROOT / "conf" / "base" / name).read_text()
    return [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]


def _architecture_notes(lines: list[str]) -> dict[str, str]:
    """The model section's note on each architecture ("#   cnn_bn   a frozen
    ..." and its indented continuation lines), joined into one line each."""
    notes: dict[str, str] = {}
    current = None
    for line in lines:
        words = line.split()
        if line.startswith("   ") and words and words[0] in NETWORKS:
            current = words[0]
            notes[current] = " ".join(words[1:])
        elif current and line.startswith(" " * 8) and words:
            notes[current] += " " + " ".join(words)
        else:
            current = None
    return notes


@pytest.mark.parametrize("architecture", SHAPED)
def test_the_modeling_file_tells_the_shaped_networks_as_their_recipes_are(architecture):
    """parameters_modeling.yml repeats the shaped networks' recipes in its
    comments for the reader; their home is ``NETWORKS``, so a recipe changed
    there must be changed in those comments too."""
    recipe = NETWORKS[architecture].recipe
    lines = _comment_lines("parameters_modeling.yml")
    note = _architecture_notes(lines)[architecture]
    first = recipe.first_width or recipe.width
    assert f"({first}, then {recipe.width * 2} filters)" in note
    assert f"for {recipe.epochs} epochs" in note
    assert f"peak rate of {recipe.learning_rate}" in note
    shape = (
        f"{architecture}: {recipe.width}, {recipe.stages}, {recipe.convolutions}, "
        f"{recipe.dense}, {recipe.dropout}"
    )
    assert shape in " ".join(line.strip() for line in lines)
    if recipe.first_width is not None:
        first_width = next(line for line in lines if "first stage's filters" in line)
        assert f"{architecture}: {recipe.first_width})" in first_width


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
        (BenchmarkParams, {"batch_sizes": [64, 64]}, "each value may appear once"),
        (BenchmarkParams, {"speed": {"architectures": ["mlp"] * 2}}, "architectures"),
        (CrossValidationParams, {"architectures": ["cnn", "cnn"]}, "appear once"),
    ],
)
def test_bad_values_are_rejected_by_key(model, value, key):
    with pytest.raises(ValidationError) as info:
        model.model_validate(value)
    assert key in str(info.value)


def test_local_parameters_override_single_keys_and_keep_the_rest(project):
    """conf/local/parameters.yml, as the docs suggest it: one key changed, the
    rest of conf/base kept (the project's soft merge)."""
    (project / "conf" / "local" / "parameters.yml").write_text(
        "benchmark:\n  batch_sizes: [64, 256]\ntraining:\n  epochs: 3\n"
    )
    with KedroSession.create(project_path=project) as session:
        params = session.load_context().params
    benchmark = BenchmarkParams.model_validate(params["benchmark"])
    assert benchmark.batch_sizes == [64, 256]
    assert benchmark.model_copy(update={"batch_sizes": [32, 64, 128, 256, 512]}) == (
        BenchmarkParams()
    )
    training = TrainingParams.model_validate(params["training"])
    assert training.epochs == 3
    assert training.model_copy(update={"epochs": None}) == TrainingParams()


def test_training_layers_merge_key_by_key_and_are_validated_again():
    """``TrainingParams.layered``, which the cross-validation variants and the
    tuning trials use: later layers win, nested sections merge key by key, and
    the result is checked as the ``training`` section is."""
    training = TrainingParams(epochs=4, shape={"dropout": 0.2, "width": 16})
    layered = training.layered({"epochs": 6, "shape": {"width": 48}}, {"epochs": 3})
    assert layered.epochs == 3
    assert (layered.shape.width, layered.shape.dropout) == (48, 0.2)
    assert training.epochs == 4  # the section itself is left as it was
    with pytest.raises(ValidationError, match="epochs"):
        training.layered({"epochs": 0})
    with pytest.raises(ValidationError, match="widht"):
        training.layered({"shape": {"widht": 48}})
