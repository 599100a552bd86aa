"""Fitting and scoring a classifier: the one training loop of the project.

Shared by the ``modeling`` pipeline (one fit on all training images) and the
``cross_validation`` pipeline (one fit per fold), so both train the same way.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

logger = logging.getLogger(__name__)


class TrainingParams(BaseModel):
    """``training``: how the network is fitted."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="training")

    epochs: int = Field(10, ge=1)
    batch_size: int = Field(64, ge=1)
    seed: int = 42
    validation_split: float = Field(0.0, ge=0.0, lt=1.0)


@dataclass(frozen=True)
class FitResult:
    """What one ``fit`` produced besides the trained weights."""

    history: pd.DataFrame  # one row per epoch: epoch, loss, accuracy[, val_...]
    seconds: float  # wall time of fit()
    samples: int  # training samples per epoch (without the validation part)

    @property
    def samples_per_second(self) -> float:
        return self.samples * len(self.history) / self.seconds


def fit_classifier(
    classifier: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    training: TrainingParams,
) -> FitResult:
    """Fit ``classifier`` in place, with Keras' progress bar in a terminal.

    The seed fixes the order of the training data. Keras' bar rewrites its line
    on every step; when the output is not a terminal (a log file, CI) one line
    per epoch is printed instead.
    """
    keras.utils.set_random_seed(training.seed)
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
    samples = len(images) - int(len(images) * training.validation_split)
    return FitResult(history=table, seconds=seconds, samples=samples)


def score_classifier(
    classifier: keras.Model, images: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """Class probabilities, loss and accuracy of ``classifier`` on labelled images.

    One forward pass; the loss is the compiled loss (with its options) applied
    to those probabilities.
    """
    probabilities = classifier.predict(images, verbose=0)
    loss = float(
        classifier.compute_loss(y=labels, y_pred=probabilities, training=False)
    )
    accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == labels))
    return probabilities, loss, accuracy
