"""Evaluate the trained classifier on the test images."""

from __future__ import annotations

import logging
from typing import Any

import keras
import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from fashion_mnist.training import score_classifier
from fashion_mnist_classifier.data_spec import CLASS_NAMES

logger = logging.getLogger(__name__)


def evaluate_model(
    classifier: keras.Model, images: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    """Score the trained classifier on the test images.

    Returns:
        The predicted label of each test image, and the test metrics: accuracy,
        loss, per-class precision, recall and F1, and the confusion matrix
        (true classes as rows).
    """
    probabilities, loss, accuracy = score_classifier(classifier, images, labels)
    predictions = np.argmax(probabilities, axis=-1)
    classes = np.arange(len(CLASS_NAMES))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predictions, labels=classes, zero_division=0
    )
    per_class = [
        {
            "class": name,
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(CLASS_NAMES)
    ]
    matrix = confusion_matrix(labels, predictions, labels=classes)
    logger.info("Test accuracy %.4f, test loss %.4f", accuracy, loss)
    return predictions, {
        "test_samples": len(labels),
        "test_accuracy": accuracy,
        "test_loss": loss,
        "per_class": per_class,
        "confusion_matrix": matrix.tolist(),
    }


def report_metrics(
    training_summary: dict[str, Any], test_metrics: dict[str, Any]
) -> dict[str, Any]:
    """Merge the training summary and the test metrics into one report."""
    return {**training_summary, **test_metrics}
