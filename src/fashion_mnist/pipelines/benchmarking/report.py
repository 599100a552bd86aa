"""The benchmark's workbook and chart: the machine sheet, the sheets in order,
the lab's figure."""

from __future__ import annotations

import multiprocessing
import os
import platform
from datetime import UTC, datetime

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from matplotlib.figure import Figure

from fashion_mnist.performance import (
    BF16_CPU_FLAGS,
    auto_precision,
    cpu_flags,
    cpu_model,
    onednn_state,
)
from fashion_mnist.training import TrainingParams

from .params import BenchmarkParams


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
        "oneDNN": onednn_state(dict(os.environ), cpu_flags()),
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
