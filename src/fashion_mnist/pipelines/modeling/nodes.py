"""Nodes of the ``modeling`` pipeline."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import keras
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fashion_mnist.models import build_classifier
from fashion_mnist.plotting import plot_image_grid

from .params import AccuracyCheckParams, FiguresParams, ModelParams, TrainingParams

logger = logging.getLogger(__name__)


class AccuracyBelowThresholdError(RuntimeError):
    """Raised by the accuracy gate when the checked accuracy is too low."""


def build_model(model: ModelParams, training: TrainingParams) -> keras.Model:
    """Build and compile the classifier that ``model.architecture`` names."""
    classifier = build_classifier(
        model.architecture,
        optimizer=model.optimizer,
        loss=model.loss,
        metrics=model.metrics,
        seed=training.seed,
    )
    classifier.summary(print_fn=lambda line, **_: logger.info(line))
    return classifier


def train_model(
    classifier: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    training: TrainingParams,
) -> tuple[keras.Model, pd.DataFrame, dict[str, Any]]:
    """Fit the classifier, with Keras' progress bar in a terminal, and time it.

    Keras' bar rewrites its line on every step; when the output is not a
    terminal (a log file, CI) one line per epoch is printed instead.

    Returns:
        The trained classifier, the per-epoch history and a training summary.
    """
    keras.utils.set_random_seed(training.seed)  # fixes the shuffling order
    started = time.perf_counter()
    history = classifier.fit(
        images,
        labels,
        epochs=training.epochs,
        batch_size=training.batch_size,
        validation_split=training.validation_split,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    seconds = time.perf_counter() - started
    table = pd.DataFrame(history.history)
    table.insert(0, "epoch", np.arange(1, len(table) + 1))
    fitted = len(images) - int(len(images) * training.validation_split)
    summary = {
        "architecture": classifier.name,
        "parameters": int(classifier.count_params()),
        "epochs": training.epochs,
        "batch_size": training.batch_size,
        "seed": training.seed,
        "training_samples": fitted,
        "training_seconds": round(seconds, 2),
        "training_samples_per_second": round(fitted * training.epochs / seconds, 1),
        "train_accuracy": float(table["accuracy"].iloc[-1]),
        "train_loss": float(table["loss"].iloc[-1]),
    }
    logger.info(
        "Trained %s for %d epochs in %.1f s: training accuracy %.4f",
        classifier.name,
        training.epochs,
        seconds,
        summary["train_accuracy"],
    )
    return classifier, table, summary


def confusion_matrix(
    labels: np.ndarray, predictions: np.ndarray, classes: int
) -> np.ndarray:
    """Counts of (true label, predicted label) pairs, true labels as rows."""
    pairs = labels.astype(np.int64) * classes + predictions.astype(np.int64)
    return np.bincount(pairs, minlength=classes * classes).reshape(classes, classes)


def per_class_scores(
    matrix: np.ndarray, class_names: list[str]
) -> list[dict[str, Any]]:
    """Precision, recall and F1 of each class from a confusion matrix."""
    true_positives = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    precision = np.divide(
        true_positives, predicted, out=np.zeros(len(matrix)), where=predicted > 0
    )
    recall = np.divide(
        true_positives, actual, out=np.zeros(len(matrix)), where=actual > 0
    )
    total = precision + recall
    f1 = np.divide(
        2 * precision * recall, total, out=np.zeros(len(matrix)), where=total > 0
    )
    return [
        {
            "class": name,
            "precision": round(float(precision[i]), 4),
            "recall": round(float(recall[i]), 4),
            "f1": round(float(f1[i]), 4),
            "support": int(actual[i]),
        }
        for i, name in enumerate(class_names)
    ]


def evaluate_model(
    classifier: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
) -> tuple[np.ndarray, dict[str, Any]]:
    """Evaluate the saved classifier on the test images.

    Returns:
        The predicted label of each test image, and the test metrics.
    """
    # One forward pass: accuracy and loss follow from the probabilities, so the
    # test set is not run through the model a second time by evaluate().
    probabilities = classifier.predict(images, verbose=0)
    predictions = np.argmax(probabilities, axis=-1)
    accuracy = float(np.mean(predictions == labels))
    loss = float(np.mean(keras.losses.get(classifier.loss)(labels, probabilities)))
    matrix = confusion_matrix(labels, predictions, len(class_names))
    logger.info("Test accuracy %.4f, test loss %.4f", accuracy, loss)
    return predictions, {
        "test_samples": len(labels),
        "test_accuracy": float(accuracy),
        "test_loss": float(loss),
        "per_class": per_class_scores(matrix, class_names),
        "confusion_matrix": matrix.tolist(),
    }


def report_metrics(
    training_summary: dict[str, Any], test_metrics: dict[str, Any]
) -> dict[str, Any]:
    """Merge the training summary and the test metrics into one report."""
    return {**training_summary, **test_metrics}


def plot_predictions(
    images: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    class_names: list[str],
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
        class_names,
        labels=labels[chosen],
        predictions=predictions[chosen],
    )
    wrong = int((labels[chosen] != predictions[chosen]).sum())
    figure.suptitle(f"{count} random test images: {wrong} misclassified (red)")
    return figure


def plot_confusion_matrix(
    test_metrics: dict[str, Any], class_names: list[str]
) -> Figure:
    """Draw the test confusion matrix with counts in the cells."""
    matrix = np.array(test_metrics["confusion_matrix"])
    figure = Figure(figsize=(9, 8), layout="constrained")
    axis = figure.subplots()
    image = axis.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axis, shrink=0.8, label="test images")
    ticks = np.arange(len(class_names))
    axis.set_xticks(ticks, class_names, rotation=45, ha="right")
    axis.set_yticks(ticks, class_names)
    axis.set_xlabel("predicted class")
    axis.set_ylabel("true class")
    threshold = matrix.max() / 2
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if count > threshold else "black"
        axis.text(
            column, row, str(count), ha="center", va="center", color=colour, fontsize=8
        )
    axis.set_title(
        f"Confusion matrix on {matrix.sum():,} test images (accuracy {test_metrics['test_accuracy']:.2%})"
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


def check_accuracy(
    metrics: dict[str, Any], accuracy_check: AccuracyCheckParams
) -> None:
    """Fail the run when the chosen accuracy is below the threshold.

    Runs last: the model and every report are saved before it can fail.
    """
    split, threshold = accuracy_check.split, accuracy_check.threshold
    accuracy = metrics[f"{split}_accuracy"]
    if accuracy < threshold:
        raise AccuracyBelowThresholdError(
            f"Accuracy check failed: {split} accuracy {accuracy:.4f} is below the "
            f"threshold {threshold:.4f} (accuracy_check.split={split}). The model "
            "and reports were saved; see data/08_reporting/. To reach the "
            "threshold, train longer (--params training.epochs=20), use the CNN "
            "(--params model.architecture=cnn) or change the threshold "
            "(--params accuracy_check.threshold=...)."
        )
    logger.info(
        "Accuracy check passed: %s accuracy %.4f >= threshold %.4f",
        split,
        accuracy,
        threshold,
    )
