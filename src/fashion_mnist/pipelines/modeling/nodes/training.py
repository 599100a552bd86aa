"""Build and train the classifier."""

from __future__ import annotations

import logging
from typing import Any

import keras
import numpy as np
import pandas as pd

from fashion_mnist.models import build_classifier
from fashion_mnist.training import TrainingParams, fit_classifier

from ..params import ModelParams

logger = logging.getLogger(__name__)


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
    """Fit the classifier and time it.

    Returns:
        The trained classifier, the per-epoch history and a training summary.
    """
    result = fit_classifier(classifier, images, labels, training)
    history = result.history
    summary = {
        "architecture": classifier.name,
        "parameters": int(classifier.count_params()),
        "epochs": training.epochs,
        "batch_size": training.batch_size,
        "seed": training.seed,
        "training_samples": result.samples,
        "training_seconds": result.seconds,
        "training_samples_per_second": result.samples_per_second,
        "train_accuracy": float(history["accuracy"].iloc[-1]),
        "train_loss": float(history["loss"].iloc[-1]),
    }
    logger.info(
        "Trained %s for %d epochs in %.1f s: training accuracy %.4f",
        classifier.name,
        training.epochs,
        result.seconds,
        summary["train_accuracy"],
    )
    return classifier, history, summary
