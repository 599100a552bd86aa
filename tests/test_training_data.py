"""The explicit tf.data pipeline that feeds training (``training/data.py``)."""

from __future__ import annotations

import numpy as np

from fashion_mnist.training.data import training_dataset


def _epochs(dataset, count: int) -> list[np.ndarray]:
    """The labels of ``count`` passes over ``dataset``, one array per pass,
    each from a new iterator as Keras' ``fit`` makes one per epoch."""
    return [
        np.concatenate([labels.numpy() for _, labels in dataset]) for _ in range(count)
    ]


def test_every_epoch_has_every_image_once_in_a_new_seeded_order():
    images = np.arange(300, dtype="float32").reshape(300, 1)
    labels = np.arange(300)
    first = _epochs(training_dataset(images, labels, 64, seed=3), 3)
    again = _epochs(training_dataset(images, labels, 64, seed=3), 3)
    other = _epochs(training_dataset(images, labels, 64, seed=4), 1)
    for epoch in first:
        assert sorted(epoch) == list(range(300))
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[1], first[2])
    for epoch, repeated in zip(first, again, strict=True):
        np.testing.assert_array_equal(epoch, repeated)
    assert not np.array_equal(first[0], other[0])


def test_batches_keep_the_last_partial_one_unless_told():
    images = np.zeros((300, 1), dtype="float32")
    labels = np.zeros(300)
    sizes = [len(y) for _, y in training_dataset(images, labels, 128, seed=0)]
    dropped = [
        len(y)
        for _, y in training_dataset(images, labels, 128, seed=0, drop_remainder=True)
    ]
    assert sizes == [128, 128, 44]
    assert dropped == [128, 128]


def test_autotuning_is_off():
    # With it on, an epoch's start sometimes stalls for seconds while the
    # previous epoch's iterator is released (docs/speed.md, "Stalled epochs").
    dataset = training_dataset(np.zeros((4, 1), "float32"), np.zeros(4), 2, seed=0)
    assert dataset.options().autotune.enabled is False
