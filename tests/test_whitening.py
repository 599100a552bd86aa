"""The frozen patch-whitening first layer (``training.shape.whitening``)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from fashion_mnist.cost import multiply_adds
from fashion_mnist.networks import build_network
from fashion_mnist.performance import Levers
from fashion_mnist.training import ShapeParams, TrainingParams, train_classifier
from fashion_mnist.whitening import EPSILON, patch_whitening


def _smooth_images(count: int, seed: int) -> np.ndarray:
    """Images whose neighbouring pixels are strongly correlated (2 x 2 blocks
    of one value, as in a blurred picture): far from white."""
    rng = np.random.default_rng(seed)
    blocks = rng.uniform(size=(count, 14, 14)).astype(np.float32)
    return np.kron(blocks, np.ones((1, 2, 2), dtype=np.float32))


def _second_moment(outputs: np.ndarray) -> np.ndarray:
    flat = outputs.reshape(-1, outputs.shape[-1]).astype(np.float64)
    return flat.T @ flat / len(flat)


def _patches(images: np.ndarray) -> np.ndarray:
    """Every 2 x 2 patch of ``images``, flattened row by row."""
    windows = np.lib.stride_tricks.sliding_window_view(images, (2, 2), (1, 2))
    return windows.reshape(-1, 4).astype(np.float64)


def test_the_filters_whiten_the_patches_of_the_images_they_come_from():
    images = _smooth_images(200, seed=1)
    patches = _patches(images)
    before = _second_moment(patches)
    assert abs(before[0, 1]) > 0.2  # neighbours correlated: far from white

    kernel = patch_whitening(images)
    assert kernel.shape == (2, 2, 1, 8)
    filters = kernel.reshape(4, 8)
    whitened = patches @ filters[:, :4]
    moment = _second_moment(whitened)
    # The identity, up to what EPSILON takes off each eigenvalue's scale.
    eigenvalues = np.linalg.eigvalsh(before)
    np.testing.assert_allclose(
        np.diag(moment), eigenvalues / (eigenvalues + EPSILON), rtol=1e-4
    )
    np.testing.assert_allclose(moment - np.diag(np.diag(moment)), 0, atol=1e-6)
    # The other four filters are the negatives (what the ReLU after them keeps).
    np.testing.assert_array_equal(filters[:, 4:], -filters[:, :4])


def test_a_whitened_network_starts_with_the_frozen_layer_and_costs_it():
    recipe = TrainingParams(
        shape=ShapeParams(whitening=True, first_convolutions=1)
    ).recipe("cnn_bn")
    model = build_network("cnn_bn", recipe)
    whitening = model.get_layer("whitening")
    assert model.layers.index(whitening) == 2  # after the channel axis and flips
    assert (whitening.filters, whitening.kernel_size) == (8, (2, 2))
    assert not whitening.trainable and not whitening.use_bias
    assert type(model.layers[3]).__name__ == "ReLU"
    # In float32 under mixed precision too, and so is what comes before it (16
    # bits would blur its outputs); the first convolution after it in bfloat16.
    mixed = build_network("cnn_bn", recipe, dtype="mixed_bfloat16")
    assert [layer.compute_dtype for layer in mixed.layers[:5]] == [
        "float32",
        "float32",
        "float32",
        "float32",
        "bfloat16",
    ]
    unwhitened = TrainingParams(shape=ShapeParams(whitening=False)).recipe("cnn_bn")
    plain = build_network("cnn_bn", unwhitened, dtype="mixed_bfloat16")
    assert plain.layers[0].compute_dtype == "bfloat16"  # without it, as before
    # Per image: the whitening's 2x2x1x8 per pixel, then the first stage's one
    # convolution 3x3x8x16 instead of 3x3x1x16 and 3x3x16x16, the rest as
    # cnn_bn's (a second stage of 16 -> 32 -> 32, the dense layer, the output).
    assert multiply_adds(model) == (
        784 * (4 * 8 + 9 * 8 * 16)
        + 196 * 9 * (16 * 32 + 32 * 32)
        + 49 * 32 * 128
        + 128 * 10
    )
    residual = TrainingParams(
        shape=ShapeParams(whitening=True, residual=True, first_convolutions=2)
    ).recipe("cnn_bn")
    assert build_network("cnn_bn", residual).get_layer("stage_1").input_shape == (
        None,
        28,
        28,
        8,
    )
    with pytest.raises(ValueError, match="cnn's shape is fixed"):
        TrainingParams(shape=ShapeParams(whitening=True)).recipe("cnn")


def _train_whitened(images: np.ndarray, labels: np.ndarray, **fields):
    """A tiny whitened ``cnn_bn`` trained one epoch in float32 (``fields``:
    more ``training`` parameters)."""
    training = TrainingParams(
        epochs=1,
        batch_size=32,
        shape=ShapeParams(whitening=True, width=4, dense=8),
        **fields,
    )
    return train_classifier(
        "cnn_bn", images, labels, training, levers=Levers(8, "float32", "tf_data")
    )


def test_training_fits_the_filters_to_the_training_part_and_keeps_them():
    """The filters come from the images trained on, not from the held-out
    validation part (here 1 minus such images: another second moment), and
    training leaves them as they were."""
    training_part = _smooth_images(96, seed=2)
    held_out = 1.0 - _smooth_images(32, seed=3)
    images = np.concatenate([training_part, held_out])
    labels = np.arange(len(images), dtype=np.uint8) % 10
    model, result = _train_whitened(images, labels, validation_split=0.25)
    assert result.samples == 96
    whitening = model.get_layer("cnn_bn").get_layer("whitening")
    kernel = keras.ops.convert_to_numpy(whitening.kernel)
    np.testing.assert_array_equal(kernel, patch_whitening(training_part))
    moment = _second_moment(_patches(training_part) @ kernel.reshape(4, 8)[:, :4])
    np.testing.assert_allclose(moment, np.diag(np.diag(moment)), atol=1e-6)
    assert np.diag(moment).min() > 0.9
    assert not np.allclose(kernel, patch_whitening(images), atol=1e-3)
    # The trained layer itself whitens: its outputs where a whole 2 x 2 patch
    # lies inside the image (the last row and column see padding), so the
    # kernel's layout is the convolution's, not only the reshape above.
    outputs = keras.ops.convert_to_numpy(whitening(training_part[..., None]))
    convolved = _second_moment(outputs[:, :27, :27, :4])
    np.testing.assert_allclose(convolved, np.diag(np.diag(moment)), atol=1e-5)


def test_every_member_of_an_ensemble_gets_the_training_parts_filters():
    images = _smooth_images(64, seed=4)
    labels = np.arange(len(images), dtype=np.uint8) % 10
    model, _ = _train_whitened(images, labels, members=2)
    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert len(members) == 2
    for member in members:
        kernel = keras.ops.convert_to_numpy(member.get_layer("whitening").kernel)
        np.testing.assert_array_equal(kernel, patch_whitening(images), member.name)
