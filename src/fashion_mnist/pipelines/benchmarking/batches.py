"""Batches of in-memory arrays served through Keras' ``PyDataset`` worker pool.

In Keras 3, ``fit`` no longer takes ``workers`` or ``use_multiprocessing``: they
belong to ``keras.utils.PyDataset``. Feeding the lab's arrays through this class
is what makes the lab's ``use_multiprocessing`` flag change what actually runs:
``True`` gathers batches in worker processes (and sends them back through
pipes), ``False`` in a pool of worker threads of this process.

How those processes start is Python's multiprocessing start method: ``fork``
(Linux up to Python 3.13) copies this process as it is; ``spawn`` (Windows,
macOS) and ``forkserver`` (Linux from Python 3.14) start fresh interpreters,
which import Keras and TensorFlow and unpickle the dataset before serving a
batch. Keras starts a new pool at every epoch, so that cost is paid per epoch.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager

import keras
import numpy as np

# Keras keeps the queue of its workers' ids in a private module, which the
# start-method switch below has to reset (there is no public way). Imported
# behind a check, so that a Keras that moved it fails with a clear message
# only when a start method is asked for. Present in Keras 3.10 to 3.15.
try:
    from keras.src.trainers.data_adapters import py_dataset_adapter as _adapter
except ImportError:  # pragma: no cover (another Keras)
    _adapter = None


@contextmanager
def worker_start_method(method: str | None) -> Iterator[str]:
    """Start Keras' worker processes with ``method`` (``None``: the platform's
    default) inside the block; the previous setting is restored afterwards.

    Keras has no option for this: its pool is ``multiprocessing.Pool()``, which
    uses the process-wide default, so that default is what is set here.
    """
    previous = multiprocessing.get_start_method(allow_none=True)
    current = previous or multiprocessing.get_context().get_start_method()
    chosen = method or current
    multiprocessing.set_start_method(chosen, force=True)
    if chosen != current:
        _forget_worker_id_queue()
    try:
        yield chosen
    finally:
        multiprocessing.set_start_method(previous, force=True)
        if chosen != current:
            _forget_worker_id_queue()


class StartMethodError(RuntimeError):
    """Raised when this Keras gives no way to change its start method."""


def _forget_worker_id_queue() -> None:
    # Keras creates one queue per process for its workers' ids, with whatever
    # start method was current then, and reuses it for every later pool; a
    # queue made for fork cannot be handed to spawned workers (RuntimeError),
    # so it is dropped here and Keras makes a new one for the new method.
    if _adapter is None or not hasattr(_adapter, "_WORKER_ID_QUEUE"):
        raise StartMethodError(
            "benchmark.start_method: changing how Keras starts its worker processes "
            "resets Keras' private queue of worker ids (keras.src.trainers."
            "data_adapters.py_dataset_adapter._WORKER_ID_QUEUE, Keras 3.10 to 3.15), "
            f"which Keras {keras.__version__} does not have. Leave "
            "benchmark.start_method null (this platform's default method)."
        )
    _adapter._WORKER_ID_QUEUE = None


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
