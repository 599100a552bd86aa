"""Nodes of the ``inference`` pipeline."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import PurePosixPath

import keras
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fashion_mnist.plotting import plot_image_grid

from .preprocessing import prepare_image

logger = logging.getLogger(__name__)

IMAGE_FOLDER = "data/01_raw/new_images/"
TOP_K = 3
MAX_PICTURED = 50


class NewImageError(ValueError):
    """Raised when the new-images folder holds something that is not an image."""


def prepare_new_images(
    partitions: dict[str, Callable[[], object]],
) -> tuple[np.ndarray, list[str]]:
    """Load every image of the folder and make it look like Fashion-MNIST.

    Hidden files (such as ``.gitkeep``) are skipped; any other file that Pillow
    cannot read stops the run, naming the file, before anything is written.

    Returns:
        An N x 28 x 28 float32 array and the file name of each image, sorted.
    """
    names = sorted(
        name for name in partitions if not PurePosixPath(name).name.startswith(".")
    )
    if not names:
        raise NewImageError(
            f"No images in {IMAGE_FOLDER}: put PNG or JPEG files there "
            "(python scripts/make_sample_images.py writes some)."
        )
    images = []
    for name in names:
        try:
            image = partitions[name]()
        except Exception as exc:
            raise NewImageError(
                f"{IMAGE_FOLDER}{name} is not an image Pillow can read (PNG or JPEG "
                f"expected); remove it or replace it. Nothing was written. ({type(exc).__name__})"
            ) from exc
        images.append(prepare_image(image))
    logger.info("Prepared %d new image(s) from %s", len(names), IMAGE_FOLDER)
    return np.stack(images), names


def predict_new_images(classifier: keras.Model, images: np.ndarray) -> np.ndarray:
    """Class probabilities of each image from the saved classifier."""
    return classifier.predict(images, verbose=0)


def tabulate_predictions(
    names: list[str], probabilities: np.ndarray, class_names: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per image: predicted class, its probability and the top three.

    Returns:
        The same table twice, for the Excel and the CSV copy.
    """
    ranked = np.argsort(-probabilities, axis=1)[:, :TOP_K]
    rows = []
    for name, probs, top in zip(names, probabilities, ranked, strict=True):
        row = {
            "file": name,
            "predicted_class": class_names[top[0]],
            "probability": round(float(probs[top[0]]), 4),
        }
        for rank, index in enumerate(top, start=1):
            row[f"top{rank}_class"] = class_names[index]
            row[f"top{rank}_probability"] = round(float(probs[index]), 4)
        rows.append(row)
        logger.info(
            "%s: %s (%.0f%%)", name, row["predicted_class"], 100 * row["probability"]
        )
    table = pd.DataFrame(rows)
    return table, table


def plot_new_image_predictions(
    images: np.ndarray,
    names: list[str],
    probabilities: np.ndarray,
    class_names: list[str],
) -> Figure:
    """The images as the model saw them, titled by file, with their predictions."""
    count = min(len(images), MAX_PICTURED)
    figure = plot_image_grid(
        images[:count],
        class_names,
        titles=[_short(name) for name in names[:count]],
        predictions=probabilities[:count].argmax(axis=1),
        probabilities=probabilities[:count].max(axis=1),
    )
    shown = f"first {count} of {len(images)}" if count < len(images) else f"{count}"
    figure.suptitle(f"New images as the model sees them ({shown})")
    return figure


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"
