"""Scoring a trained classifier on labelled images."""

from __future__ import annotations

import keras
import numpy as np

from fashion_mnist.recipes.compilation import wants_one_hot

from .data import targets


def score_classifier(
    classifier: keras.Model, images: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """Class probabilities, loss and accuracy of ``classifier`` on labelled images.

    One forward pass; the loss is the compiled loss (with its options, e.g.
    label smoothing) applied to those probabilities.
    """
    probabilities = classifier.predict(images, verbose=0, batch_size=1024)
    loss = float(
        classifier.compute_loss(
            y=targets(labels, wants_one_hot(classifier)),
            y_pred=probabilities,
            training=False,
        )
    )
    accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == labels))
    return probabilities, loss, accuracy
