"""Figures of the ``cross_validation`` pipeline: the folds' accuracies, and
accuracy against training minutes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

from fashion_mnist.plotting import keep_labels_apart


def plot_fold_accuracies(folds: pd.DataFrame) -> Figure:
    """A box plot of the fold accuracies of each architecture, the folds as dots
    and the means as diamonds."""
    order = list(dict.fromkeys(folds["architecture"]))
    scores = [folds.loc[folds["architecture"] == name, "accuracy"] for name in order]
    figure = Figure(figsize=(2 * len(order) + 3, 5), layout="constrained")
    axis = figure.subplots()
    axis.boxplot(scores, tick_labels=order, showmeans=True, meanprops={"marker": "D"})
    for position, values in enumerate(scores, start=1):
        axis.scatter(
            np.full(len(values), position), values, s=14, color="grey", zorder=3
        )
        axis.annotate(  # right of the box (half-width 0.25), clear of its lines
            f"mean {values.mean():.4f}",
            (position + 0.28, values.mean()),
            va="center",
            fontsize=9,
        )
    count = folds["fold"].nunique()
    axis.set_ylabel(f"accuracy on the held-out fold ({count} folds)")
    axis.set_title(f"{count}-fold cross-validation on the training images")
    axis.grid(axis="y", alpha=0.3)
    return figure


def plot_accuracy_against_time(folds: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Accuracy per minute: one point per architecture at its median training
    minutes per fold (bars: the quickest and the slowest fold) and its mean
    held-out accuracy (bars: one standard deviation over the folds), from
    ``summarize_folds``' table."""
    summary = summary.set_index("architecture")
    minutes = (
        folds.groupby("architecture", sort=False)["training_seconds"].agg(
            ["median", "min", "max"]
        )
        / 60
    )
    figure = Figure(figsize=(8, 5), layout="constrained")
    axis = figure.subplots()
    labels = []
    for name, time_spread in minutes.iterrows():
        mean, spread = summary.loc[name, "mean"], summary.loc[name, "std"]
        axis.errorbar(
            time_spread["median"],
            mean,
            xerr=[
                [time_spread["median"] - time_spread["min"]],
                [time_spread["max"] - time_spread["median"]],
            ],
            yerr=0.0 if np.isnan(spread) else spread,  # one fold: no spread
            fmt="o",
            capsize=3,
        )
        labels.append(
            axis.annotate(
                f"{name} {mean:.4f}",
                (time_spread["median"], mean),
                textcoords="offset points",
                xytext=(6, 6),
                fontsize=9,
            )
        )
    if minutes["max"].max() > 5 * minutes["min"].min():
        axis.set_xscale("log")  # the networks' costs span decades
        # Labels at 1, 2 and 5 times each power of ten: every minor tick
        # labelled crowds them where the decades are narrow.
        axis.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.xaxis.set_major_formatter(ScalarFormatter())
        axis.xaxis.set_minor_formatter(NullFormatter())
    # else a linear axis: points within a few minutes of each other would sit
    # between two of the log axis' labels, with none to read them by.
    axis.set_xlabel("training minutes per fold (median; bars: quickest and slowest)")
    count = folds["fold"].nunique()
    axis.set_ylabel(f"accuracy on the held-out fold (mean \u00b1 std, {count} folds)")
    axis.set_title("Accuracy against training time on this machine")
    axis.grid(alpha=0.3, which="both")
    keep_labels_apart(figure, labels)
    return figure
