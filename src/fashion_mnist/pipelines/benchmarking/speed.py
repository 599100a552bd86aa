"""The training-speed comparison: the lab's settings against the project's levers,
added one at a time, on the same model and batch size."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fashion_mnist.performance import Levers
from fashion_mnist.training import TrainingParams, train_classifier

from .params import BenchmarkParams
from .timing import EpochTimer

logger = logging.getLogger(__name__)


LAB_SETTINGS = "lab settings"
# Each step of the comparison and the lever it adds, in the order added.
STEPS = [
    ("+ steps_per_execution", "steps_per_execution"),
    ("+ mixed precision", "precision"),
    ("+ tf.data", "input_pipeline"),
    ("+ XLA", "jit_compile"),
]


def lever_steps(project: Levers) -> list[tuple[str, Levers]]:
    """The lab's settings, then each lever the project's defaults use added in
    turn (a lever left as the lab has it, such as float32 under XLA on a CPU,
    is no step)."""
    steps = [(LAB_SETTINGS, Levers.lab())]
    for name, lever in STEPS:
        levers = replace(steps[-1][1], **{lever: getattr(project, lever)})
        if levers != steps[-1][1]:
            steps.append((name, levers))
    return steps


def compare_training_speed(
    images: np.ndarray,
    labels: np.ndarray,
    benchmark: BenchmarkParams,
    training: TrainingParams,
) -> pd.DataFrame:
    """Samples per second of each architecture under each step of ``lever_steps``.

    Each measurement builds the model afresh (same seed and recipe), trains one
    untimed epoch (tracing, caches) and times ``speed.timed_epochs`` more. The
    whole set of measurements is made ``speed.repeats`` times, round-robin, and
    each row keeps the median: a machine whose speed drifts during the
    benchmark then slows every setting alike instead of whichever came last.
    """
    # The user's training settings (recipe, levers asked for), one untimed and
    # the timed epochs, all images.
    settings = training.model_copy(
        update={"epochs": 1 + benchmark.speed.timed_epochs, "validation_split": 0.0}
    )
    cells = [
        (architecture, step, levers)
        for architecture in benchmark.speed.architectures
        for step, levers in lever_steps(settings.levers(architecture))
    ]
    repeats = benchmark.speed.repeats
    runs = []
    for repeat in range(1, repeats + 1):
        for architecture, step, levers in cells:
            timer = EpochTimer()
            _, result = train_classifier(
                architecture,
                images,
                labels,
                settings,
                levers=levers,
                callbacks=[timer],
            )
            seconds = float(np.mean([e.seconds for e in timer.epochs[1:]]))
            runs.append(
                {
                    "architecture": architecture,
                    "setting": step,
                    **levers.describe(),
                    "batch_size": result.recipe.batch_size,
                    "samples": result.samples,
                    "seconds": seconds,
                }
            )
            logger.info(
                "Speed [%d/%d] %s, %s: %.0f samples/s",
                repeat,
                repeats,
                architecture,
                step,
                result.samples / seconds,
            )
    return summarize_speed_runs(pd.DataFrame(runs))


def summarize_speed_runs(runs_table: pd.DataFrame) -> pd.DataFrame:
    """One row per measured setting, in the order measured, from one row per
    timed run (its ``seconds`` per epoch): the median, fastest and slowest
    seconds, samples per second at the median, and the speed relative to the
    architecture's first setting (the lab's). Columns named as in the grid."""
    keys = [column for column in runs_table.columns if column != "seconds"]
    table = (
        runs_table.groupby(keys, sort=False)["seconds"]
        .agg(
            timed_runs="size",
            median_s_per_epoch="median",
            min_s_per_epoch="min",
            max_s_per_epoch="max",
        )
        .reset_index()
    )
    table["samples_per_second"] = table["samples"] / table["median_s_per_epoch"]
    lab_speed = table.groupby("architecture")["samples_per_second"].transform("first")
    table["speed_vs_lab"] = table["samples_per_second"] / lab_speed
    return table


def plot_training_speed(speed: pd.DataFrame) -> Figure:
    """Bars of samples per second (the median of the repeats, whiskers from the
    slowest to the fastest), one group per architecture, one bar per step, each
    labelled with its speed relative to the lab's settings."""
    figure = Figure(figsize=(9, 4.5), layout="constrained")
    axis = figure.subplots()
    measured = set(speed["setting"])
    steps = [s for s in [LAB_SETTINGS] + [n for n, _ in STEPS] if s in measured]
    architectures = list(dict.fromkeys(speed["architecture"]))
    width = 0.8 / len(steps)
    for index, step in enumerate(steps):
        # A step an architecture does not take (XLA for a convolutional
        # network on a CPU) is a gap in its group.
        rows = (
            speed[speed["setting"] == step]
            .set_index("architecture")
            .reindex(architectures)
        )
        positions = (
            np.arange(len(architectures)) + (index - (len(steps) - 1) / 2) * width
        )
        # The whiskers span the fastest and slowest of the repeats.
        spread = [
            rows["samples_per_second"] - rows["samples"] / rows["max_s_per_epoch"],
            rows["samples"] / rows["min_s_per_epoch"] - rows["samples_per_second"],
        ]
        bars = axis.bar(
            positions,
            rows["samples_per_second"],
            width,
            yerr=spread,
            capsize=2,
            error_kw={"elinewidth": 0.8, "alpha": 0.6},
            label=step,
        )
        # At the foot of each bar, clear of its whisker.
        for bar, ratio in zip(bars, rows["speed_vs_lab"], strict=True):
            if np.isnan(ratio):
                continue
            axis.annotate(
                f"\u00d7{ratio:.2f}",
                (bar.get_x() + bar.get_width() / 2, 0),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
            )
    axis.set_xticks(np.arange(len(architectures)), architectures)
    axis.set_ylabel("training samples per second")
    axis.set_title("Training speed: the lab's settings and the project's levers")
    axis.legend(fontsize=8)
    axis.grid(axis="y", alpha=0.3)
    return figure
