"""A saved classifier reloads in a fresh Python process, with safe_mode, and agrees."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from kedro_datasets.tensorflow import TensorFlowModelDataset

from fashion_mnist.models import BODIES, build_classifier, with_flip_tta
from fashion_mnist.training import TrainingParams, train_classifier

RELOAD = """
import sys
import fashion_mnist  # as a user's script would: quietly starts TensorFlow
import keras
import numpy as np
images = np.load(sys.argv[1])
for path in sys.argv[2:]:
    model = keras.models.load_model(path, safe_mode=True)
    np.save(path + ".out.npy", np.argmax(model.predict(images, verbose=0), axis=-1))
"""


def test_saved_models_predict_the_same_in_a_fresh_process(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, size=(64, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, size=64).astype(np.uint8)
    np.save(tmp_path / "images.npy", images)
    expected, paths = {}, []
    models = {name: build_classifier(name, seed=0) for name in BODIES}
    for model in models.values():
        model.fit(images, labels, epochs=1, batch_size=16, verbose=0)
    # As the default is saved: wrapped for flip test-time augmentation.
    models["tta"] = with_flip_tta(models["cnn_bn"])
    # As modeling trains the mlp: with the project's levers (on a CPU, XLA).
    models["mlp_levers"], result = train_classifier(
        "mlp", images, labels, TrainingParams(epochs=1, batch_size=16, seed=0)
    )
    assert models["mlp_levers"].jit_compile is result.levers.jit_compile
    for name, model in models.items():
        path = str(tmp_path / f"{name}.keras")
        TensorFlowModelDataset(filepath=path, load_args={"safe_mode": True}).save(model)
        expected[path] = np.argmax(model.predict(images, verbose=0), axis=-1)
        paths.append(path)

    result = subprocess.run(
        [sys.executable, "-c", RELOAD, str(tmp_path / "images.npy"), *paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    for path in paths:
        np.testing.assert_array_equal(np.load(path + ".out.npy"), expected[path])
    # TensorFlow's start-up banners are filtered (what TensorFlow says later,
    # such as a retracing warning, is not).
    for banner in (
        "I0000",
        "cuInit",
        "absl::InitializeLog",
        "oneDNN custom operations",
    ):
        assert banner not in result.stderr, result.stderr
