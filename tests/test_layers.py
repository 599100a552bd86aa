"""The fused batch normalisation computes what Keras' own layer computes."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from fashion_mnist.layers import (
    FusedBatchNormalization,
    uses_fused_layers,
    with_standard_layers,
)
from fashion_mnist.networks import build_network
from fashion_mnist.views import averaged


def _pair(shape, dtype="float32", **kwargs):
    """Keras' layer and the fused one, built alike, with the same random weights."""
    keras_bn = keras.layers.BatchNormalization(dtype=dtype, **kwargs)
    fused_bn = FusedBatchNormalization(dtype=dtype, **kwargs)
    keras_bn.build(shape)
    fused_bn.build(shape)
    rng = np.random.default_rng(0)
    # gamma, beta, moving mean, moving variance (positive)
    weights = [
        np.abs(rng.normal(1, 0.2, w.shape)).astype("float32")
        if "variance" in w.path or "gamma" in w.path
        else rng.normal(0, 0.2, w.shape).astype("float32")
        for w in keras_bn.weights
    ]
    keras_bn.set_weights(weights)
    fused_bn.set_weights(weights)
    return keras_bn, fused_bn


@pytest.mark.parametrize("training", [True, False])
def test_outputs_running_averages_and_gradients_match_keras(training):
    x = tf.constant(np.random.default_rng(1).normal(2, 3, (6, 5, 5, 4)), "float32")
    keras_bn, fused_bn = _pair(x.shape)
    results = []
    for layer in (keras_bn, fused_bn):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=training)
            loss = tf.reduce_sum(y * tf.range(4, dtype="float32"))
        grads = tape.gradient(loss, [x, *layer.trainable_weights])
        results.append((y, grads, [w.numpy() for w in layer.weights]))
    (y1, g1, w1), (y2, g2, w2) = results
    np.testing.assert_allclose(y2, y1, rtol=1e-4, atol=1e-4)
    for a, b in zip(g2, g1, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)
    # The running mean and (biased) variance move exactly as Keras' do.
    for a, b in zip(w2, w1, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_running_averages_move_in_training_only():
    x = tf.constant(np.random.default_rng(2).normal(5, 2, (8, 3, 3, 2)), "float32")
    _, fused_bn = _pair(x.shape)
    before = [w.numpy().copy() for w in fused_bn.non_trainable_weights]
    fused_bn(x, training=False)
    for a, b in zip(fused_bn.non_trainable_weights, before, strict=True):
        np.testing.assert_array_equal(a.numpy(), b)
    fused_bn(x, training=True)
    for a, b in zip(fused_bn.non_trainable_weights, before, strict=True):
        assert not np.allclose(a.numpy(), b)


def test_bfloat16_activations_stay_bfloat16_and_close_to_keras():
    x = tf.constant(np.random.default_rng(3).normal(0, 1, (4, 6, 6, 8)), "float32")
    keras_bn, fused_bn = _pair(x.shape, dtype="mixed_bfloat16")
    y_fused = fused_bn(tf.cast(x, "bfloat16"), training=True)
    y_keras = keras_bn(tf.cast(x, "bfloat16"), training=True)
    assert y_fused.dtype == tf.bfloat16
    np.testing.assert_allclose(
        tf.cast(y_fused, "float32"), tf.cast(y_keras, "float32"), atol=0.05
    )


def test_inputs_it_cannot_fuse_go_through_keras_code():
    x = tf.constant(np.random.default_rng(4).normal(0, 1, (16, 7)), "float32")
    keras_bn, fused_bn = _pair(x.shape)
    np.testing.assert_array_equal(
        fused_bn(x, training=True), keras_bn(x, training=True)
    )
    x4 = tf.constant(np.random.default_rng(5).normal(0, 1, (2, 3, 4, 5)), "float32")
    keras_bn, fused_bn = _pair(x4.shape, axis=1)  # channels first: not fused
    np.testing.assert_array_equal(
        fused_bn(x4, training=True), keras_bn(x4, training=True)
    )


def test_it_is_saved_under_the_projects_name():
    config = keras.saving.serialize_keras_object(FusedBatchNormalization())
    assert config["registered_name"] == "fashion_mnist>FusedBatchNormalization"
    layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
    assert type(layer) is FusedBatchNormalization


def test_a_trained_network_copied_to_keras_layers_predicts_the_same():
    rng = np.random.default_rng(3)
    images = rng.uniform(0, 1, (256, 28, 28)).astype("float32")
    network = build_network("cnn_bn", seed=0)
    network.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    # A few steps, so that the running averages are not their initial values.
    network.fit(images, rng.integers(0, 10, 256), batch_size=64, epochs=1, verbose=0)
    model = averaged(network, flip=True)
    assert uses_fused_layers(model)

    copy = with_standard_layers(model)

    assert not uses_fused_layers(copy)
    kinds = [type(layer).__name__ for layer in copy.layers[2].layers]  # the network
    assert kinds.count("BatchNormalization") == 4  # 3 convolutions, 1 dense
    for a, b in zip(copy.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(
        copy.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-5
    )
    plain = build_network("mlp", seed=0)
    assert with_standard_layers(plain) is plain  # nothing to replace
