"""Nodes of the ``data_processing`` pipeline."""

from __future__ import annotations

import logging

import numpy as np
from matplotlib.figure import Figure

from fashion_mnist.plotting import plot_image_grid

logger = logging.getLogger(__name__)

IMAGE_SHAPE = (28, 28)


def check_split(
    images: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    sample_limit: int | None,
    split: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Check one split's raw arrays and keep its first ``sample_limit`` samples.

    Raises:
        ValueError: When images are not N x 28 x 28 uint8, labels are not N
            integers in ``[0, len(class_names))``, or the counts differ.
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
    bad = (labels < 0) | (labels >= len(class_names))
    if bad.any():
        raise ValueError(
            f"{split} labels: expected values 0-{len(class_names) - 1} (one per "
            f"class name), found {int(bad.sum())} outside that range, e.g. "
            f"{labels[bad][0]} at index {int(np.flatnonzero(bad)[0])}."
        )
    if sample_limit is not None:
        if sample_limit < 1:
            raise ValueError(
                f"data_processing.sample_limit: expected null or a number >= 1, "
                f"found {sample_limit}."
            )
        images, labels = images[:sample_limit], labels[:sample_limit]
    logger.info("%s split: %d images, %d classes", split, len(images), len(class_names))
    return images, labels.astype(np.uint8)


def scale_images(images: np.ndarray) -> np.ndarray:
    """Scale uint8 pixels (0-255) to float32 in [0, 1], as the lab does."""
    return images.astype(np.float32) / np.float32(255.0)


def plot_dataset_preview(
    images: np.ndarray, labels: np.ndarray, class_names: list[str], count: int
) -> Figure:
    """Draw the first ``count`` training images with their labels (the lab's preview)."""
    return plot_image_grid(images[:count], class_names, labels=labels[:count])
