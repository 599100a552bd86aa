"""Nodes of the ``benchmarking`` pipeline."""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import platform
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from matplotlib.figure import Figure

from fashion_mnist.networks import build_classifier
from fashion_mnist.performance import (
    BF16_CPU_FLAGS,
    auto_precision,
    cpu_flags,
    cpu_model,
)
from fashion_mnist.training import TrainingParams

from .batches import ArrayBatches, worker_start_method
from .params import BenchmarkParams

logger = logging.getLogger(__name__)

ARRAYS = "arrays (reference)"


def setting_label(use_multiprocessing: bool | None) -> str:
    """Row label of a setting in the lab's table; ``None`` is the array reference."""
    return (
        ARRAYS
        if use_multiprocessing is None
        else f"use_multiprocessing={use_multiprocessing}"
    )


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


def _time_cell(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    steps: int,
    use_multiprocessing: bool | None,
    benchmark: BenchmarkParams,
    seed: int,
) -> list[EpochTiming]:
    """Timings of each timed repeat of one grid cell (the mean of its epochs).

    A fresh model with the same seed; an untimed warm-up (graph tracing, first
    batches); then ``repeats`` timed runs of ``epochs`` epochs. Both feeds
    shuffle the samples at every epoch.
    """
    model = build_classifier(benchmark.architecture, seed=seed)
    if use_multiprocessing is None:
        feed: dict[str, Any] = {"x": images, "y": labels, "batch_size": batch_size}
    else:
        feed = {
            "x": ArrayBatches(
                images,
                labels,
                batch_size,
                seed=seed,
                workers=benchmark.workers,
                use_multiprocessing=use_multiprocessing,
                max_queue_size=benchmark.max_queue_size,
            )
        }
    model.fit(
        **feed, epochs=1, steps_per_epoch=min(benchmark.warmup_steps, steps), verbose=0
    )
    timer = EpochTimer()
    model.fit(
        **feed,
        epochs=benchmark.epochs * benchmark.repeats,
        callbacks=[timer],
        verbose=0,
    )
    runs = [
        timer.epochs[start : start + benchmark.epochs]
        for start in range(0, len(timer.epochs), benchmark.epochs)
    ]
    return [
        EpochTiming(
            *(float(np.mean([getattr(e, f) for e in run])) for f in EPOCH_PARTS)
        )
        for run in runs
    ]


EPOCH_PARTS = ("seconds", "step", "startup", "teardown")


def run_benchmark(
    images: np.ndarray,
    labels: np.ndarray,
    benchmark: BenchmarkParams,
    training: TrainingParams,
) -> pd.DataFrame:
    """Time training for every (batch_size, setting) cell of the grid.

    Returns:
        A tidy table, one row per cell: median, min and max seconds per epoch,
        the median step, pool start-up and teardown seconds within an epoch,
        samples per second and steps per epoch.
    """
    settings: list[bool | None] = list(benchmark.use_multiprocessing)
    if benchmark.include_arrays:
        settings.append(None)
    cells = [(size, setting) for size in benchmark.batch_sizes for setting in settings]
    logger.info(
        "Timing %d cells: %s on %d images, %d timed run(s) of %d epoch(s) each",
        len(cells),
        benchmark.architecture,
        len(images),
        benchmark.repeats,
        benchmark.epochs,
    )
    with worker_start_method(benchmark.start_method) as start_method:
        if True in settings:
            logger.info("Worker processes start with %r", start_method)
        return _time_grid(images, labels, cells, start_method, benchmark, training.seed)


def _time_grid(
    images: np.ndarray,
    labels: np.ndarray,
    cells: list[tuple[int, bool | None]],
    start_method: str,
    benchmark: BenchmarkParams,
    seed: int,
) -> pd.DataFrame:
    rows = []
    started = time.perf_counter()
    for number, (batch_size, setting) in enumerate(cells, start=1):
        steps = math.ceil(len(images) / batch_size)  # as ArrayBatches and fit() batch
        runs = _time_cell(images, labels, batch_size, steps, setting, benchmark, seed)
        seconds = [run.seconds for run in runs]
        median = statistics.median(seconds)
        label = setting_label(setting)
        rows.append(
            {
                "setting": label,
                "feed": "arrays" if setting is None else "PyDataset",
                "use_multiprocessing": setting,
                "workers": None if setting is None else benchmark.workers,
                "start_method": start_method if setting else None,
                "batch_size": batch_size,
                "steps_per_epoch": steps,
                "samples": len(images),
                "timed_runs": benchmark.repeats,
                "epochs_per_run": benchmark.epochs,
                "median_s_per_epoch": median,
                "min_s_per_epoch": min(seconds),
                "max_s_per_epoch": max(seconds),
                "median_step_s": statistics.median(run.step for run in runs),
                "startup_s_per_epoch": statistics.median(run.startup for run in runs),
                "teardown_s_per_epoch": statistics.median(run.teardown for run in runs),
                "samples_per_second": len(images) / median,
            }
        )
        logger.info(
            "[%d/%d] batch_size=%d %s: %.2f s/epoch (min %.2f, max %.2f; "
            "pool start-up %.2f s, teardown %.2f s)",
            number,
            len(cells),
            batch_size,
            label,
            median,
            min(seconds),
            max(seconds),
            rows[-1]["startup_s_per_epoch"],
            rows[-1]["teardown_s_per_epoch"],
        )
    logger.info(
        "Benchmark finished: %d cells in %.1f s",
        len(cells),
        time.perf_counter() - started,
    )
    return pd.DataFrame(rows)


def tabulate_like_the_lab(timings: pd.DataFrame) -> pd.DataFrame:
    """The lab's table: one row per setting, one column per batch size, median s/epoch."""
    order = list(dict.fromkeys(timings["setting"]))
    table = timings.pivot(
        index="setting", columns="batch_size", values="median_s_per_epoch"
    )
    table = table.loc[order].round(3)  # for reading; the timings sheet keeps all digits
    table.columns = [int(size) for size in table.columns]  # numeric chart categories
    table.columns.name = None
    return table.reset_index()


def describe_machine(
    benchmark: BenchmarkParams, training: TrainingParams
) -> pd.DataFrame:
    """The machine, the versions and the grid's settings, for the workbook."""
    gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    rows = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cpu_cores": os.cpu_count(),
        "gpu": ", ".join(gpus) or "none",
        "os": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "architecture": benchmark.architecture,
        "workers": benchmark.workers,
        "start_method": benchmark.start_method
        or f"{multiprocessing.get_start_method()} (this platform's default)",
        "max_queue_size": benchmark.max_queue_size,
        "epochs_per_run": benchmark.epochs,
        "timed_runs": benchmark.repeats,
        "warmup_steps": benchmark.warmup_steps,
        "seed": training.seed,
        "precision (auto)": auto_precision(),
        "cpu_bf16": ", ".join(sorted(cpu_flags() & BF16_CPU_FLAGS)) or "none",
    }
    return pd.DataFrame(
        {"item": list(rows), "value": [str(value) for value in rows.values()]}
    )


def assemble_workbook(
    timings: pd.DataFrame,
    lab_table: pd.DataFrame,
    machine: pd.DataFrame,
    training_speed: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, in order (the chart's layout is in the catalog)."""
    return {
        "lab_table": lab_table,
        "timings": timings,
        "training_speed": training_speed,
        "machine": machine,
    }


def plot_benchmark(timings: pd.DataFrame) -> Figure:
    """The lab's chart: seconds per epoch against batch_size, one line per setting,
    with the min-max range of the timed runs shaded."""
    figure = Figure(figsize=(8, 5), layout="constrained")
    axis = figure.subplots()
    for setting, rows in timings.groupby("setting", sort=False):
        line = axis.plot(
            rows["batch_size"], rows["median_s_per_epoch"], marker="o", label=setting
        )
        axis.fill_between(
            rows["batch_size"],
            rows["min_s_per_epoch"],
            rows["max_s_per_epoch"],
            color=line[0].get_color(),
            alpha=0.15,
        )
    sizes = sorted(timings["batch_size"].unique())
    axis.set_xscale("log", base=2)
    axis.set_xticks(sizes, [str(size) for size in sizes])
    axis.set_ylim(bottom=0)
    axis.set_xlabel("batch_size")
    axis.set_ylabel("seconds per epoch (median)")
    axis.set_title("Training speed against batch_size and multiprocessing")
    axis.grid(alpha=0.3)
    axis.legend(title="setting")
    return figure
