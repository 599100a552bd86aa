"""The lab's Task 2 grid: seconds per epoch for every batch size and data feed."""

from __future__ import annotations

import logging
import math
import statistics
import time
from typing import Any

import numpy as np
import pandas as pd

from fashion_mnist.networks import build_classifier
from fashion_mnist.training import TrainingParams

from .batches import ArrayBatches, worker_start_method
from .params import BenchmarkParams
from .timing import EPOCH_PARTS, EpochTimer, EpochTiming

logger = logging.getLogger(__name__)

ARRAYS = "arrays (reference)"


def setting_label(use_multiprocessing: bool | None) -> str:
    """Row label of a setting in the lab's table; ``None`` is the array reference."""
    return (
        ARRAYS
        if use_multiprocessing is None
        else f"use_multiprocessing={use_multiprocessing}"
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
