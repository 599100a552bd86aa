"""Test-time views and ensembles: one model that predicts the mean of one or
several trained networks' answers over several views of each image.

The views (a mirror, one-pixel moves) are standard ``Dense`` layers with fixed
0/1 matrices, so the model saves and loads with ``safe_mode`` where this project
is not installed (``fashion_mnist_classifier`` needs nothing of it).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from fashion_mnist_classifier.data_spec import IMAGE_SHAPE

L = keras.layers


def _fixed_map(name: str, matrix: np.ndarray) -> L.Dense:
    """A standard ``Dense`` layer on the last axis with a fixed 0/1 matrix
    (exact, not trainable): a mirror or a one-pixel move that a saved model
    keeps and ``safe_mode`` loads."""
    layer = L.Dense(matrix.shape[1], use_bias=False, trainable=False, name=name)
    layer.build((None, matrix.shape[0]))
    layer.set_weights([matrix.astype("float32")])
    return layer


def _moved(images: keras.KerasTensor, axis: str, step: int) -> keras.KerasTensor:
    """``images`` moved by ``step`` pixels along ``axis`` (width or height),
    the pixels that come in black (0), as ``RandomTranslation`` fills them."""
    size = IMAGE_SHAPE[1] if axis == "width" else IMAGE_SHAPE[0]
    direction = "forward" if step > 0 else "back"
    move = _fixed_map(f"move_{axis}_{direction}", np.eye(size, k=step))
    if axis == "width":
        return move(images)
    swap = (2, 1)  # the height axis last, moved, and back
    return L.Permute(swap)(move(L.Permute(swap)(images)))


def averaged(
    networks: keras.Model | Sequence[keras.Model],
    *,
    flip: bool,
    shift: bool = False,
    name: str | None = None,
) -> keras.Model:
    """One model predicting the mean of the outputs of ``networks`` (an
    ensemble, if several) over several views of each image (test-time
    augmentation): with ``shift``, the image and its copies moved by one pixel
    left, right, up and down; with ``flip``, each of those and its mirror image
    (for networks trained with flips). Several networks need distinct names;
    the model is named ``name`` (the first network's name if not given).

    Mirror and moves are standard ``Dense`` layers with fixed 0/1 matrices, so
    the model still saves and loads with ``safe_mode``.
    """
    members = [networks] if isinstance(networks, keras.Model) else list(networks)
    inputs = keras.Input(shape=IMAGE_SHAPE)
    views = [inputs]
    if shift:
        views += [
            _moved(inputs, axis, step)
            for axis in ("width", "height")
            for step in (1, -1)
        ]
    if flip:
        mirror = _fixed_map("mirror", np.fliplr(np.eye(IMAGE_SHAPE[1])))
        views += [mirror(view) for view in views]
    answers = [member(view) for member in members for view in views]
    outputs = L.Average(name="tta", dtype="float32")(answers)
    return keras.Model(inputs, outputs, name=name or members[0].name)
