"""The training data as Keras takes it: targets for the compiled loss, and the
explicit ``tf.data`` pipeline (one place builds it, for ``fit`` and for the
multi-worker loop alike)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from fashion_mnist_classifier.data_spec import NUM_CLASSES


def targets(labels: np.ndarray, one_hot: bool) -> np.ndarray:
    """The labels as the compiled loss takes them."""
    return keras.utils.to_categorical(labels, NUM_CLASSES) if one_hot else labels


def training_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    seed: int,
    *,
    cache: bool = True,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """(images, labels) batches, in a new seeded order every epoch, with the
    next batch prepared while the current one trains.

    tf.data's autotuning is off: with it, releasing an epoch's iterator
    sometimes stalls the next epoch's start for seconds while neither core
    works (measured: docs/speed.md, "Stalled epochs"). The batches and their
    order are the same either way."""
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if cache:
        dataset = dataset.cache()
    options = tf.data.Options()
    options.autotune.enabled = False
    return (
        dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size, drop_remainder=drop_remainder)
        .prefetch(tf.data.AUTOTUNE)
        .with_options(options)
    )
