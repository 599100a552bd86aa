"""A saved classifier is a plain Keras file: it loads with safe_mode in a fresh
Python process that cannot import this project, and predicts what the training
process predicted."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from kedro_datasets.tensorflow import TensorFlowModelDataset

from fashion_mnist.networks import NETWORKS
from fashion_mnist.training import TrainingParams, train_classifier

RELOAD = """
import sys
sys.modules["fashion_mnist"] = None  # this project cannot be imported here
import keras
import numpy as np
images = np.load(sys.argv[1])
for path in sys.argv[2:]:
    model = keras.saving.load_model(path, safe_mode=True)
    np.save(path + ".out.npy", model.predict(images, verbose=0))
"""


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 1, size=(64, 28, 28)).astype("float32")


def test_every_network_as_trained_loads_without_the_project(tmp_path, images):
    """Each architecture as ``train_classifier`` returns it (batch norm trained
    on the fused layer, flip test-time augmentation, the project's levers), an
    ensemble of two with residual stages (nested functional models), and an
    ensemble of two over every test-time view (flips and one-pixel moves). One
    process reloads them all (a TensorFlow start each would cost more than the
    reloads)."""
    labels = np.random.default_rng(1).integers(0, 10, size=64).astype(np.uint8)
    np.save(tmp_path / "images.npy", images)
    expected, paths = {}, []
    runs = [(name, {}) for name in NETWORKS] + [
        ("cnn_bn", {"members": 2, "shape": {"convolutions": 2, "residual": True}}),
        ("cnn", {"members": 2, "flip_tta": True, "shift_tta": True}),
    ]
    for number, (name, keys) in enumerate(runs):
        training = TrainingParams(epochs=1, batch_size=16, seed=0, **keys)
        model, _ = train_classifier(name, images, labels, training)
        path = str(tmp_path / f"{number}-{name}.keras")
        TensorFlowModelDataset(filepath=path, load_args={"safe_mode": True}).save(model)
        with zipfile.ZipFile(path) as archive:
            config = archive.read("config.json").decode()
        assert "fashion_mnist" not in config, name  # no class of this project
        json.loads(config)
        expected[path] = model.predict(images, verbose=0)
        paths.append(path)

    subprocess.run(
        [sys.executable, "-c", RELOAD, str(tmp_path / "images.npy"), *paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    for path in paths:
        reloaded = np.load(path + ".out.npy")
        np.testing.assert_array_equal(
            reloaded.argmax(axis=1), expected[path].argmax(axis=1)
        )
        np.testing.assert_allclose(reloaded, expected[path], rtol=1e-5, atol=1e-6)


def test_importing_the_project_starts_tensorflow_quietly():
    result = subprocess.run(
        [sys.executable, "-c", "import fashion_mnist, keras"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for banner in (
        "I0000",
        "cuInit",
        "absl::InitializeLog",
        "oneDNN custom operations",
    ):
        assert banner not in result.stderr, result.stderr
