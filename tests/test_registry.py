"""The model registry in a real MLflow store (SQLite in a temporary folder):
every saved classifier becomes a version, the champion alias moves only to one
at least as accurate, and the registered model answers pictures in Python."""

from __future__ import annotations

import io

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from PIL import Image

from fashion_mnist.datasets import MlflowImageClassifierDataset
from fashion_mnist.networks import build_classifier
from fashion_mnist.pipelines.inference.nodes import predict_new_images
from fashion_mnist.registry import ClassifierPackage, champion_should_move
from fashion_mnist_classifier import prediction_table, prepare_images

NAME = "fashion_mnist_classifier"


@pytest.fixture
def store(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.chdir(tmp_path)  # artifacts go to ./mlruns
    mlflow.set_tracking_uri(uri)
    # (Another test in this process may have chosen an experiment elsewhere.)
    mlflow.set_experiment("registry")
    yield MlflowClient(tracking_uri=uri)
    mlflow.set_tracking_uri(None)


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    network = build_classifier("mlp", seed=0)
    network.fit(
        rng.uniform(0, 1, (64, 28, 28)), rng.integers(0, 10, 64), epochs=1, verbose=0
    )
    return network


def _register(model, accuracy: float) -> str:
    dataset = MlflowImageClassifierDataset(
        registered_model_name=NAME, save_args={"name": "image_classifier"}
    )
    with mlflow.start_run() as run:
        dataset.save(ClassifierPackage(model, accuracy, "mlp"))
    return run.info.run_id


def test_the_champion_moves_only_to_a_version_at_least_as_accurate(
    store, model, caplog
):
    # After each registration: 0.80 first; 0.85 beats it; 0.84 does not (the
    # champion stays version 2); a tie (0.85) takes it.
    steps = [(0.80, "1"), (0.85, "2"), (0.84, "2"), (0.85, "4")]
    runs = []
    for accuracy, champion in steps:
        caplog.clear()
        with caplog.at_level("INFO", logger="fashion_mnist"):
            runs.append(_register(model, accuracy))
        current = store.get_model_version_by_alias(NAME, "champion")
        assert str(current.version) == champion, (accuracy, current.version)
        version = len(runs)
        if champion == str(version):
            assert (
                f"version {version} (test accuracy {accuracy:.4f}), now 'champion'"
                in caplog.text
            )
        else:
            assert f"'champion' stays version {champion}" in caplog.text

    versions = sorted(
        store.search_model_versions(f"name = '{NAME}'"), key=lambda v: int(v.version)
    )
    assert [v.tags["test_accuracy"] for v in versions] == [
        "0.8000",
        "0.8500",
        "0.8400",
        "0.8500",
    ]
    assert [v.run_id for v in versions] == runs


@pytest.mark.parametrize(
    ("new", "champion", "moves"),
    [(0.9, None, True), (0.9, 0.8, True), (0.8, 0.8, True), (0.79, 0.8, False)],
)
def test_champion_should_move_when_none_or_at_least_as_accurate(new, champion, moves):
    assert champion_should_move(new, champion) is moves


def test_tracking_off_registers_nothing(store, model):
    dataset = MlflowImageClassifierDataset(registered_model_name=NAME)
    dataset._logging_activated = False  # what kedro-mlflow sets when tracking is off
    dataset.save(ClassifierPackage(model, 0.9, "mlp"))
    with pytest.raises(MlflowException):
        store.get_registered_model(NAME)


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def test_the_registered_model_takes_bytes_and_pixel_arrays_in_python(store, model):
    _register(model, 0.9)
    served = mlflow.pyfunc.load_model(f"models:/{NAME}@champion")
    rng = np.random.default_rng(5)
    shirt = np.full((90, 60, 3), 255, np.uint8)
    shirt[20:70, 10:50] = rng.integers(0, 120, (50, 40, 3))  # a dark object
    grey = np.asarray(Image.fromarray(shirt).convert("L"))
    blank = np.full((50, 50), 255, np.uint8)

    answers = served.predict(pd.DataFrame({"image": [_png(shirt), grey, blank]}))

    pictures = [
        Image.open(io.BytesIO(_png(shirt))),
        Image.fromarray(grey),
        Image.fromarray(blank),
    ]
    images, found = prepare_images(pictures)
    expected = prediction_table(predict_new_images(model, images), found)
    assert found == [True, True, False]
    assert list(answers["object_found"]) == found
    assert list(answers["predicted_class"][:2]) == list(expected["predicted_class"][:2])
    np.testing.assert_allclose(
        answers["probability"][:2].astype(float), expected["probability"][:2], atol=1e-4
    )
    # No object: no class guessed, and None rather than NaN (JSON has no NaN).
    assert answers.iloc[2]["predicted_class"] is None
    assert answers.iloc[2]["probability"] is None

    # A dictionary of lists, as a script might send it.
    batch = served.predict({"image": [grey, _png(grey)]})
    assert list(batch["predicted_class"]) == [expected["predicted_class"][1]] * 2
