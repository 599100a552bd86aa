"""The classifiers: the lab's MLP and a small CNN, built and compiled from parameters.

Shared by the modeling and benchmarking pipelines. Both models take the scaled
28 x 28 images as they are; the CNN adds the channel axis with a standard
``Reshape`` layer (not a ``Lambda``), so saved models load with ``safe_mode``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import keras

Architecture = Literal["mlp", "cnn"]

IMAGE_SHAPE = (28, 28)
NUM_CLASSES = 10


def build_mlp() -> keras.Sequential:
    """The lab's network: Flatten -> Dense(512, ReLU) -> Dense(10, softmax)."""
    return keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Flatten(),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="mlp",
    )


def build_cnn() -> keras.Sequential:
    """A small two-convolution network, in the style of the keras-io MNIST convnet."""
    return keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Reshape((*IMAGE_SHAPE, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="cnn",
    )


BUILDERS: dict[str, Callable[[], keras.Sequential]] = {
    "mlp": build_mlp,
    "cnn": build_cnn,
}


def build_classifier(
    architecture: Architecture,
    *,
    optimizer: str = "adam",
    loss: str = "sparse_categorical_crossentropy",
    metrics: tuple[str, ...] | list[str] = ("accuracy",),
    seed: int | None = None,
) -> keras.Sequential:
    """Build and compile a classifier; ``seed`` fixes its initial weights."""
    if architecture not in BUILDERS:
        raise ValueError(
            f"Unknown architecture {architecture!r}; expected one of {sorted(BUILDERS)}."
        )
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = BUILDERS[architecture]()
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model
