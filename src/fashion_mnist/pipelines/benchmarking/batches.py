"""Batches of in-memory arrays served through Keras' ``PyDataset`` worker pool.

In Keras 3, ``fit`` no longer takes ``workers`` or ``use_multiprocessing``: they
belong to ``keras.utils.PyDataset``. Feeding the lab's arrays through this class
is what makes the lab's ``use_multiprocessing`` flag change what actually runs:
``True`` slices batches in forked worker processes (and sends them back through
pipes), ``False`` in a pool of worker threads.
"""

from __future__ import annotations

import math

import keras
import numpy as np


class ArrayBatches(keras.utils.PyDataset):
    """Serves ``(images, labels)`` batches of fixed size, in order."""

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        batch_size: int,
        *,
        workers: int = 1,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ) -> None:
        super().__init__(
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = images
        self.labels = labels
        self.batch_size = batch_size

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range 0-{len(self) - 1}")
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.images[batch], self.labels[batch]
