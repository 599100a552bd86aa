"""The modeling reports' figures (saved by the catalog's MatplotlibDataset)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from fashion_mnist.plotting import plot_image_grid
from fashion_mnist.training import TrainingParams
from fashion_mnist_classifier.data_spec import CLASS_NAMES

from ..params import FiguresParams


def plot_predictions(
    images: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    figures: FiguresParams,
    training: TrainingParams,
) -> Figure:
    """Draw randomly chosen test images (seeded) with true and predicted classes."""
    count = min(figures.prediction_count, len(images))
    chosen = np.random.default_rng(training.seed).choice(
        len(images), count, replace=False
    )
    figure = plot_image_grid(
        images[chosen],
        CLASS_NAMES,
        labels=labels[chosen],
        predictions=predictions[chosen],
    )
    wrong = int((labels[chosen] != predictions[chosen]).sum())
    figure.suptitle(f"{count} random test images: {wrong} misclassified (red)")
    return figure


def plot_confusion_matrix(test_metrics: dict[str, Any]) -> Figure:
    """Draw the test confusion matrix with counts in the cells."""
    matrix = np.array(test_metrics["confusion_matrix"])
    figure = Figure(figsize=(9, 8), layout="constrained")
    axis = figure.subplots()
    display = ConfusionMatrixDisplay(matrix, display_labels=list(CLASS_NAMES))
    display.plot(ax=axis, cmap="Blues", xticks_rotation=45, values_format="d")
    display.im_.colorbar.set_label("test images")
    axis.set_xlabel("predicted class")
    axis.set_ylabel("true class")
    axis.set_title(
        f"Confusion matrix on {matrix.sum():,} test images "
        f"(accuracy {test_metrics['test_accuracy']:.2%})"
    )
    return figure


def plot_training_curves(history: pd.DataFrame, test_metrics: dict[str, Any]) -> Figure:
    """Draw loss and accuracy per epoch (and validation, when there is any), with
    the final test result as a dashed line for comparison."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    for axis, metric in zip(figure.subplots(1, 2), ("loss", "accuracy"), strict=True):
        axis.plot(
            history["epoch"], history[metric], marker="o", label=f"training {metric}"
        )
        if f"val_{metric}" in history:
            axis.plot(
                history["epoch"],
                history[f"val_{metric}"],
                marker="s",
                label=f"validation {metric}",
            )
        axis.axhline(
            test_metrics[f"test_{metric}"],
            color="grey",
            linestyle="--",
            label=f"test {metric}",
        )
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.set_title(f"{metric.capitalize()} per epoch")
        axis.grid(alpha=0.3)
        axis.legend()
    return figure
