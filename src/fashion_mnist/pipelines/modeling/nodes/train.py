"""Train the classifier."""

from __future__ import annotations

import logging
from typing import Any

import keras
import numpy as np
import pandas as pd

from fashion_mnist.cost import network_parameters
from fashion_mnist.training import TrainingParams, train_classifier

from ..params import ModelParams

logger = logging.getLogger(__name__)


def train_model(
    images: np.ndarray,
    labels: np.ndarray,
    model: ModelParams,
    training: TrainingParams,
) -> tuple[keras.Model, pd.DataFrame, dict[str, Any]]:
    """Build, compile and fit the classifier that ``model.architecture`` names.

    Returns:
        The trained classifier, the per-epoch history and a training summary
        (what was trained, how, on which levers, and how fast).
    """
    classifier, result = train_classifier(model.architecture, images, labels, training)
    classifier.summary(print_fn=lambda line, **_: logger.info(line))
    history = result.history
    summary = {
        "architecture": model.architecture,
        "parameters": network_parameters(classifier),
        "epochs": result.recipe.epochs,
        "batch_size": result.recipe.batch_size,
        "seed": training.seed,
        "recipe": result.recipe.describe(),
        "performance": result.levers.describe(),
        "distribution": {"strategy": result.strategy, "replicas": result.replicas},
        "training_samples": result.samples,
        "training_seconds": result.seconds,
        "training_samples_per_second": result.samples_per_second,
        "train_accuracy": float(history["accuracy"].iloc[-1]),
        "train_loss": float(history["loss"].iloc[-1]),
    }
    logger.info(
        "Trained %s for %d epochs in %.1f s (%.0f samples/s): training accuracy %.4f",
        model.architecture,
        result.recipe.epochs,
        result.seconds,
        result.samples_per_second,
        summary["train_accuracy"],
    )
    return classifier, history, summary
