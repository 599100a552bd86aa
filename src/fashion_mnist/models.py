"""The classifiers, and the recipe each one is trained with by default.

- ``mlp``: the lab's network, trained the lab's way.
- ``cnn``: the first round's small two-convolution network, trained the lab's way.
- ``cnn_augmented``: the same network, trained with what the fast-training
  literature uses (a one-cycle learning rate, label smoothing, horizontal flips,
  15 epochs at batch 128, the speed levers of ``performance.py``) and predicting
  with flip test-time augmentation.
- ``cnn_bn``: three convolutions, each followed by batch normalisation and
  pooling, and a dense layer, trained with the same recipe for 8 epochs: the
  project's default (batch norm on TensorFlow's fused kernel, ``layers.py``).
- ``vgg_bn``: a VGG-style network (two stages of two convolutions with batch
  normalisation, then a wide dense layer) with the same recipe for 20 epochs:
  the slow, accurate preset.

Every network takes the scaled 28 x 28 images as they are. Layers that need a
channel axis get it from a standard ``Reshape`` layer (not a ``Lambda``), and
augmentation is done by Keras' own preprocessing layers, which are active only
while training: saved models load with ``safe_mode`` and predict on plain images.
Every layer computes in the given dtype policy, except the output layer, which
stays float32 (softmax in 16 bits loses probability mass).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Literal

import keras
import numpy as np

from fashion_mnist.data_spec import IMAGE_SHAPE, NUM_CLASSES
from fashion_mnist.layers import FusedBatchNormalization

Architecture = Literal["mlp", "cnn", "cnn_augmented", "cnn_bn", "vgg_bn"]
Schedule = Literal["constant", "one_cycle"]

L = keras.layers


@dataclass(frozen=True)
class Recipe:
    """How an architecture is trained unless ``training`` parameters say otherwise."""

    epochs: int
    batch_size: int
    learning_rate: float  # the peak rate for one_cycle
    schedule: Schedule
    label_smoothing: float
    flip: bool  # random horizontal flips
    shift: float  # random shifts, as a fraction of the image size
    erasing: float  # probability of erasing a random rectangle
    flip_tta: bool  # predict as the mean of the image and its mirror image

    def describe(self) -> dict[str, object]:
        return asdict(self)


LAB_RECIPE = Recipe(
    epochs=10,
    batch_size=64,
    learning_rate=0.001,  # Adam's default, as compile(optimizer="adam")
    schedule="constant",
    label_smoothing=0.0,
    flip=False,
    shift=0.0,
    erasing=0.0,
    flip_tta=False,
)

# What the fast-training literature uses; the networks that train with it
# differ only in the number of epochs.
FAST_RECIPE = Recipe(
    epochs=15,
    batch_size=128,
    learning_rate=0.003,
    schedule="one_cycle",
    label_smoothing=0.1,
    flip=True,
    shift=0.0,
    erasing=0.0,
    flip_tta=True,
)

RECIPES: dict[str, Recipe] = {
    "mlp": LAB_RECIPE,
    "cnn": LAB_RECIPE,
    "cnn_augmented": FAST_RECIPE,
    "cnn_bn": replace(FAST_RECIPE, epochs=8),
    "vgg_bn": replace(FAST_RECIPE, epochs=20),
}


def _mlp(dtype: str) -> list[L.Layer]:
    return [L.Flatten(dtype=dtype), L.Dense(512, activation="relu", dtype=dtype)]


def _two_convolutions(dtype: str) -> list[L.Layer]:
    return [
        L.Conv2D(32, 3, activation="relu", dtype=dtype),
        L.MaxPooling2D(dtype=dtype),
        L.Conv2D(64, 3, activation="relu", dtype=dtype),
        L.MaxPooling2D(dtype=dtype),
        L.Flatten(dtype=dtype),
        L.Dense(128, activation="relu", dtype=dtype),
        L.Dropout(0.3, dtype=dtype),
    ]


# The running averages that batch norm predicts with follow the last ~10 batches
# (PyTorch's default) rather than Keras' ~100: a full run is alike either way, but
# a quick try (5,000 images, 2 epochs = 80 steps) predicted with half-initial
# averages at 0.99 and scored 0.40 on the test images, 0.84 at 0.9.
BN_MOMENTUM = 0.9


def _conv_bn(filters: int, dtype: str) -> list[L.Layer]:
    return [
        L.Conv2D(filters, 3, padding="same", use_bias=False, dtype=dtype),
        FusedBatchNormalization(momentum=BN_MOMENTUM, dtype=dtype),
        L.ReLU(dtype=dtype),
    ]


def _dense_bn(units: int, dropout: float, dtype: str) -> list[L.Layer]:
    return [
        L.Flatten(dtype=dtype),
        L.Dense(units, use_bias=False, dtype=dtype),
        # On 2-D inputs the layer runs Keras' own code (cheap here).
        FusedBatchNormalization(momentum=BN_MOMENTUM, dtype=dtype),
        L.ReLU(dtype=dtype),
        L.Dropout(dropout, dtype=dtype),
    ]


def _three_convolutions_bn(dtype: str) -> list[L.Layer]:
    return [
        *_conv_bn(32, dtype),
        L.MaxPooling2D(dtype=dtype),
        *_conv_bn(64, dtype),
        L.MaxPooling2D(dtype=dtype),
        *_conv_bn(128, dtype),
        L.MaxPooling2D(dtype=dtype),
        *_dense_bn(128, 0.3, dtype),
    ]


def _vgg_bn(dtype: str) -> list[L.Layer]:
    return [
        *_conv_bn(32, dtype),
        *_conv_bn(32, dtype),
        L.MaxPooling2D(dtype=dtype),
        *_conv_bn(64, dtype),
        *_conv_bn(64, dtype),
        L.MaxPooling2D(dtype=dtype),
        *_dense_bn(256, 0.4, dtype),
    ]


BODIES: dict[str, Callable[[str], list[L.Layer]]] = {
    "mlp": _mlp,
    "cnn": _two_convolutions,
    "cnn_augmented": _two_convolutions,
    "cnn_bn": _three_convolutions_bn,
    "vgg_bn": _vgg_bn,
}
# The networks that take a channel axis: the convolutional ones.
CONVOLUTIONAL = {"cnn", "cnn_augmented", "cnn_bn", "vgg_bn"}


def augmentation_layers(recipe: Recipe, seed: int, dtype: str) -> list[L.Layer]:
    """Keras' random augmentation layers for ``recipe`` (identity at inference)."""
    layers: list[L.Layer] = []
    if recipe.flip:
        layers.append(L.RandomFlip("horizontal", seed=seed, dtype=dtype))
    if recipe.shift:
        layers.append(
            L.RandomTranslation(
                recipe.shift, recipe.shift, fill_mode="constant", seed=seed, dtype=dtype
            )
        )
    if recipe.erasing:
        layers.append(
            L.RandomErasing(
                factor=recipe.erasing,
                scale=(0.02, 0.2),
                value_range=(0, 1),
                seed=seed,
                dtype=dtype,
            )
        )
    return layers


def build_network(
    architecture: Architecture,
    recipe: Recipe | None = None,
    *,
    seed: int = 0,
    dtype: str = "float32",
) -> keras.Sequential:
    """The uncompiled network ``architecture``, with ``recipe``'s augmentation.

    ``seed`` fixes the initial weights and the augmentation's random draws.
    """
    if architecture not in BODIES:
        raise ValueError(
            f"Unknown architecture {architecture!r}; expected one of {sorted(BODIES)}."
        )
    recipe = recipe or RECIPES[architecture]
    keras.utils.set_random_seed(seed)
    augment = augmentation_layers(recipe, seed, dtype)
    prefix = (
        [L.Reshape((*IMAGE_SHAPE, 1), dtype=dtype)]
        if architecture in CONVOLUTIONAL or augment
        else []
    )
    return keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            *prefix,
            *augment,
            *BODIES[architecture](dtype),
            L.Dense(NUM_CLASSES, activation="softmax", dtype="float32"),
        ],
        name=architecture,
    )


def with_flip_tta(network: keras.Model) -> keras.Model:
    """``network`` predicting the mean of its outputs for the image and for its
    mirror image (test-time augmentation; for networks trained with flips).

    The mirror is a standard ``Dense`` layer on the width axis with a fixed
    anti-diagonal 0/1 matrix (exact, not trainable), so the model still saves
    and loads with ``safe_mode``.
    """
    width = IMAGE_SHAPE[1]
    inputs = keras.Input(shape=IMAGE_SHAPE)
    mirror = L.Dense(width, use_bias=False, trainable=False, name="mirror")
    mirrored = mirror(inputs)
    mirror.set_weights([np.fliplr(np.eye(width, dtype="float32"))])
    outputs = L.Average(name="flip_tta", dtype="float32")(
        [network(inputs), network(mirrored)]
    )
    return keras.Model(inputs, outputs, name=network.name)


def learning_rate(
    recipe: Recipe, total_steps: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The recipe's learning rate: constant, or one cycle (a linear warm-up from a
    tenth of the peak over the first quarter of the steps, then a cosine decay to
    a hundredth of it)."""
    if recipe.schedule == "constant":
        return recipe.learning_rate
    warmup = max(1, total_steps // 4)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=recipe.learning_rate / 10,
        decay_steps=max(1, total_steps - warmup),
        alpha=0.01,
        warmup_target=recipe.learning_rate,
        warmup_steps=warmup,
    )


def compile_classifier(
    model: keras.Model,
    recipe: Recipe,
    *,
    total_steps: int,
    steps_per_execution: int = 1,
    jit_compile: bool = False,
) -> keras.Model:
    """Compile ``model`` with Adam, cross-entropy and accuracy, as the lab does,
    plus the recipe's schedule and label smoothing (and XLA if asked)."""
    loss = (
        keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)
        if recipe.label_smoothing
        else keras.losses.SparseCategoricalCrossentropy()
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate(recipe, total_steps)),
        loss=loss,
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
        jit_compile=jit_compile,
    )
    return model


def wants_one_hot(model: keras.Model) -> bool:
    """Whether ``model``'s compiled loss takes one-hot targets (label smoothing)."""
    return isinstance(model.loss, keras.losses.CategoricalCrossentropy)


def build_classifier(
    architecture: Architecture, *, seed: int | None = None
) -> keras.Sequential:
    """The network compiled exactly as the lab compiles its own (Adam at its
    default rate, sparse cross-entropy, accuracy, one step per call, float32):
    what the Task 2 benchmark times and the tests train."""
    model = build_network(architecture, LAB_RECIPE, seed=seed or 0)
    return compile_classifier(model, LAB_RECIPE, total_steps=1)
