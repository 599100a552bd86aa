"""Nodes of the ``data_processing`` pipeline."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from fashion_mnist.plotting import plot_image_grid
from fashion_mnist_classifier.data_spec import CLASS_NAMES, IMAGE_SHAPE, NUM_CLASSES

from .params import DataProcessingParams

logger = logging.getLogger(__name__)


def check_split(
    images: np.ndarray,
    labels: np.ndarray,
    data_processing: DataProcessingParams,
    split: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Check one split's raw arrays and keep its first ``sample_limit`` samples.

    Raises:
        ValueError: When images are not N x 28 x 28 uint8, labels are not N
            integers in ``[0, 10)``, or the counts differ.
    """
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(
            f"{split} images: expected an N x 28 x 28 uint8 array, found shape "
            f"{images.shape} of {images.dtype}."
        )
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{split} labels: expected a 1-D integer array, found shape "
            f"{labels.shape} of {labels.dtype}."
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{split} split: expected as many labels as images, found "
            f"{len(images)} images and {len(labels)} labels."
        )
    bad = (labels < 0) | (labels >= NUM_CLASSES)
    if bad.any():
        raise ValueError(
            f"{split} labels: expected values 0-{NUM_CLASSES - 1} (one per "
            f"class), found {int(bad.sum())} outside that range, e.g. "
            f"{labels[bad][0]} at index {int(np.flatnonzero(bad)[0])}."
        )
    limit = data_processing.sample_limit
    images, labels = images[:limit], labels[:limit]
    logger.info("%s split: %d images, %d classes", split, len(images), NUM_CLASSES)
    return images, labels.astype(np.uint8)


def scale_images(images: np.ndarray) -> np.ndarray:
    """Scale uint8 pixels (0-255) to float32 in [0, 1], as the lab does."""
    return images.astype(np.float32) / np.float32(255.0)


def describe_model_input(
    train_labels: np.ndarray,
    test_labels: np.ndarray,
    data_processing: DataProcessingParams,
) -> dict[str, Any]:
    """What the scaled arrays were made with, saved next to them: a run that
    reads them from disk instead of making them checks it (see ``hooks.py``)."""
    return {
        "parameters": {"data_processing.sample_limit": data_processing.sample_limit},
        "train_samples": len(train_labels),
        "test_samples": len(test_labels),
    }


def plot_dataset_preview(
    images: np.ndarray, labels: np.ndarray, data_processing: DataProcessingParams
) -> Figure:
    """Draw the first ``preview_count`` training images with their labels, in the
    lab's grid."""
    count = data_processing.preview_count
    return plot_image_grid(images[:count], CLASS_NAMES, labels=labels[:count])
