"""A saved classifier reloads in a fresh Python process, with safe_mode, and agrees."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from kedro_datasets.tensorflow import TensorFlowModelDataset

from fashion_mnist.models import build_classifier

RELOAD = """
import sys
import keras
import numpy as np
model = keras.models.load_model(sys.argv[1], safe_mode=True)
images = np.load(sys.argv[2])
np.save(sys.argv[3], np.argmax(model.predict(images, verbose=0), axis=-1))
"""


@pytest.mark.parametrize("architecture", ["mlp", "cnn"])
def test_saved_model_predicts_the_same_in_a_fresh_process(tmp_path, architecture):
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, size=(64, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, size=64).astype(np.uint8)
    model = build_classifier(architecture, seed=0)
    model.fit(images, labels, epochs=1, batch_size=16, verbose=0)
    expected = np.argmax(model.predict(images, verbose=0), axis=-1)

    model_path = tmp_path / "classifier.keras"
    TensorFlowModelDataset(
        filepath=str(model_path), load_args={"safe_mode": True}
    ).save(model)
    np.save(tmp_path / "images.npy", images)
    subprocess.run(
        [
            sys.executable,
            "-c",
            RELOAD,
            str(model_path),
            str(tmp_path / "images.npy"),
            str(tmp_path / "out.npy"),
        ],
        check=True,
        timeout=300,
    )
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
