"""The clock of the benchmarks: each epoch's wall time, split into its parts."""

from __future__ import annotations

import time
from dataclasses import dataclass

import keras
import numpy as np


class EpochTimer(keras.callbacks.Callback):
    """Records, for every epoch, its wall-clock seconds and when each step ended.

    An epoch runs from Keras' ``on_epoch_begin`` to ``on_epoch_end``. With a
    ``PyDataset`` that has workers, Keras starts a new pool of worker processes
    or threads at the beginning of every epoch and stops it at the end, inside
    that window; the step times tell that start-up and teardown apart from the
    training steps.
    """

    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[EpochTiming] = []
        self._started = 0.0
        self._step_ends: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._step_ends = []
        self._started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._step_ends.append(time.perf_counter())

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        ended = time.perf_counter()
        self.epochs.append(
            EpochTiming.from_clock(self._started, self._step_ends, ended)
        )


@dataclass(frozen=True)
class EpochTiming:
    """One epoch's wall time, split into its parts.

    ``startup`` is how much longer the first step took than a typical step
    (``step``, the median of the others): starting the worker pool and waiting
    for its first batch. ``teardown`` is the time from the last step to the end
    of the epoch: stopping the pool.
    """

    seconds: float
    step: float
    startup: float
    teardown: float

    @classmethod
    def from_clock(
        cls, started: float, step_ends: list[float], ended: float
    ) -> EpochTiming:
        steps = np.diff([started, *step_ends])
        typical = float(np.median(steps[1:])) if len(steps) > 1 else float(steps[0])
        return cls(
            seconds=ended - started,
            step=typical,
            startup=max(0.0, float(steps[0]) - typical),
            teardown=ended - step_ends[-1],
        )


EPOCH_PARTS = ("seconds", "step", "startup", "teardown")
