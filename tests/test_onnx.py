"""The ONNX file a modeling run writes answers as the Keras model does, in
onnxruntime, on the 10,000 test images."""

from __future__ import annotations

import json

import keras
import numpy as np
import onnx
import onnxruntime
from kedro.framework.session import KedroSession

from fashion_mnist.export import inference_network, to_onnx
from fashion_mnist.networks import build_network
from fashion_mnist.training import ShapeParams, TrainingParams
from fashion_mnist.views import averaged
from fashion_mnist_classifier import CLASS_NAMES


def _last(folder):
    """The file of the last version: the passing run's (the project ran a
    failing one first, which writes its models too)."""
    return next(sorted(folder.iterdir())[-1].iterdir())


def _layers(model):
    """Every layer of ``model``, those of the models inside it too."""
    for layer in model.layers:
        yield layer
        yield from _layers(layer) if isinstance(layer, keras.Model) else ()


def test_the_onnx_file_answers_as_the_keras_model_on_the_test_images(
    registered_project,
):
    models = registered_project / "data/06_models"
    onnx_file = _last(models / "classifier.onnx")
    keras_files = sorted((models / "classifier.keras").iterdir())
    # The file of the passing run, the second of the two runs.
    network = keras.saving.load_model(
        keras_files[-1] / "classifier.keras", safe_mode=True
    )
    with KedroSession.create(project_path=registered_project) as session:
        raw = session.load_context().catalog.load("raw_test_images")
    images = raw.astype(np.float32) / 255.0
    assert images.shape == (10_000, 28, 28)

    session = onnxruntime.InferenceSession(str(onnx_file))
    # The signature a client in another language reads: any number of images.
    assert [(i.name, i.shape) for i in session.get_inputs()] == [
        ("images", ["batch", 28, 28])
    ]
    assert [(o.name, o.shape) for o in session.get_outputs()] == [
        ("probabilities", ["batch", 10])
    ]
    (probabilities,) = session.run(["probabilities"], {"images": images})
    # The file computes in float32 whatever precision the network trained in:
    # it answers as the same weights do in float32 in Keras ...
    in_float32 = inference_network(network)
    for original, copied in zip(network.weights, in_float32.weights, strict=True):
        np.testing.assert_array_equal(copied.numpy(), original.numpy())
    expected = in_float32.predict(images, batch_size=500, verbose=0)
    assert (probabilities.argmax(1) == expected.argmax(1)).mean() >= 0.999
    np.testing.assert_allclose(probabilities, expected, rtol=0, atol=1e-4)
    # ... and as the network itself does, but for the rounding of 16-bit
    # arithmetic where it trained in mixed bfloat16 (auto on CPUs with native
    # bf16), where a few answers differ (docs/serving.md).
    as_trained = network.predict(images, batch_size=500, verbose=0)
    same_class = (probabilities.argmax(1) == as_trained.argmax(1)).mean()
    float32 = all(
        layer.dtype_policy.compute_dtype == "float32" for layer in _layers(network)
    )
    assert same_class >= (0.999 if float32 else 0.99), same_class
    metadata = {prop.key: prop.value for prop in onnx.load(onnx_file).metadata_props}
    assert json.loads(metadata["class_names"]) == list(CLASS_NAMES)


def test_the_registered_model_carries_the_onnx_file(registered_project, tmp_path):
    import mlflow  # noqa: PLC0415

    mlflow.set_tracking_uri(f"sqlite:///{registered_project / 'mlflow.db'}")
    try:
        folder = mlflow.artifacts.download_artifacts(
            "models:/fashion_mnist_classifier@champion", dst_path=str(tmp_path)
        )
    finally:
        mlflow.set_tracking_uri(None)
    carried = tmp_path / "artifacts" / "classifier.onnx"
    assert str(tmp_path) in folder
    written = _last(registered_project / "data/06_models/classifier.onnx")
    assert carried.read_bytes() == written.read_bytes()


def test_a_network_trained_in_bfloat16_exports_in_float32_without_augmentation():
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:
        # The default network with two convolutions per stage and residual
        # stages: nested models export in float32 too.
        residual = TrainingParams(
            shape=ShapeParams(convolutions=2, residual=True)
        ).recipe("cnn_bn")
        network = averaged(
            build_network("cnn_bn", residual, dtype="mixed_bfloat16"), flip=True
        )
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    model = to_onnx(network)
    kinds = {node.op_type for node in model.graph.node}
    assert not any("Random" in kind for kind in kinds), kinds
    # Nothing computes in 16 bits: mixed precision would cast to them (tf2onnx
    # writes TensorFlow's bfloat16 casts as float16 ones).
    casts = [
        onnx.helper.get_attribute_value(attribute)
        for node in model.graph.node
        if node.op_type == "Cast"
        for attribute in node.attribute
        if attribute.name == "to"
    ]
    assert not {onnx.TensorProto.BFLOAT16, onnx.TensorProto.FLOAT16} & set(casts)
    images = np.random.default_rng(0).uniform(0, 1, (8, 28, 28)).astype(np.float32)
    session = onnxruntime.InferenceSession(model.SerializeToString())
    (probabilities,) = session.run(["probabilities"], {"images": images})
    np.testing.assert_allclose(probabilities.sum(1), 1, atol=1e-5)


def test_every_test_time_view_and_an_ensemble_export():
    """Flips and one-pixel moves over two members: the ONNX file answers as
    Keras does, through every view (tests/test_model_reload.py reloads such a
    model in a process without this project)."""
    members = [build_network("cnn", seed=seed) for seed in (0, 1)]
    for number, member in enumerate(members, start=1):
        member.name = f"cnn_{number}"
    network = averaged(members, flip=True, shift=True, name="cnn")
    images = np.random.default_rng(2).uniform(0, 1, (16, 28, 28)).astype(np.float32)
    expected = network.predict(images, verbose=0)
    session = onnxruntime.InferenceSession(to_onnx(network).SerializeToString())
    assert session.get_outputs()[0].shape == ["batch", 10]  # through the views
    (probabilities,) = session.run(["probabilities"], {"images": images})
    np.testing.assert_allclose(probabilities, expected, rtol=0, atol=1e-5)
