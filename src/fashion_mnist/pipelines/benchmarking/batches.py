"""Batches of in-memory arrays served through Keras' ``PyDataset`` worker pool.

In Keras 3, ``fit`` no longer takes ``workers`` or ``use_multiprocessing``: they
belong to ``keras.utils.PyDataset``. Feeding the lab's arrays through this class
is what makes the lab's ``use_multiprocessing`` flag change what actually runs:
``True`` gathers batches in worker processes (and sends them back through
pipes), ``False`` in a pool of worker threads of this process.
"""

from __future__ import annotations

import math

import keras
import numpy as np


class ArrayBatches(keras.utils.PyDataset):
    """Serves ``(images, labels)`` batches of fixed size, in a new random order
    of the samples at every epoch.

    The order is what ``fit(x, y)`` does with arrays (it shuffles the samples
    each epoch), so both feeds do the same work: gather a batch of random rows.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        batch_size: int,
        *,
        seed: int = 0,
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
        self._rng = np.random.default_rng(seed)
        self.order = self._rng.permutation(len(images))

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range 0-{len(self) - 1}")
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.images[rows], self.labels[rows]

    def on_epoch_end(self) -> None:
        # Runs in this process; Keras starts the next epoch's workers afterwards,
        # so they see the new order.
        self.order = self._rng.permutation(len(self.images))
