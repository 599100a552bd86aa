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
from fashion_mnist_classifier import (
    ImageError,
    Predictor,
    checked_image,
    prediction_table,
    prepare_images,
)
from fashion_mnist_classifier.data_spec import CLASS_NAMES

from .params import InferenceParams

logger = logging.getLogger(__name__)

MAX_PICTURED = 50
NO_OBJECT = "no object found"
# Files that operating systems and file managers leave in folders (compared in
# lower case); hidden files (".gitkeep", ".DS_Store", macOS "._x.jpg") too.
SYSTEM_FILES = {"thumbs.db", "ehthumbs.db", "desktop.ini"}


class NewImageError(ValueError):
    """Raised when the new-images folder holds something that is not an image."""


def _is_system_file(name: str) -> bool:
    base = PurePosixPath(name).name
    return base.startswith(".") or base.lower() in SYSTEM_FILES


def prepare_new_images(
    partitions: dict[str, Callable[[], object]], inference: InferenceParams
) -> tuple[np.ndarray, list[str], list[bool]]:
    """Load every image of the folder and make it look like Fashion-MNIST.

    Files the operating system leaves behind (``Thumbs.db``, ``desktop.ini``,
    hidden files such as ``.DS_Store``) are skipped with a log line. Any other
    file that Pillow cannot read stops the run before anything is written; the
    error names every such file.

    Returns:
        An N x 28 x 28 float32 array, the file name of each image (sorted), and
        whether an object was found in each (False for blank pictures).
    """
    folder = inference.image_folder.rstrip("/") + "/"
    names, skipped = [], []
    for name in sorted(partitions):
        (skipped if _is_system_file(name) else names).append(name)
    if skipped:
        logger.info("Skipped %d system file(s): %s", len(skipped), ", ".join(skipped))
    if not names:
        raise NewImageError(
            f"No images in {folder}: put PNG or JPEG files there "
            "(python scripts/make_sample_images.py writes some)."
        )
    pictures, unreadable = [], []
    for name in names:
        try:
            pictures.append(checked_image(partitions[name]()))
        except ImageError as exc:
            unreadable.append(f"  - {folder}{name}: {exc}")
        except Exception as exc:
            unreadable.append(f"  - {folder}{name} ({type(exc).__name__})")
    if unreadable:
        raise NewImageError(
            f"{len(unreadable)} file(s) in {folder} are not images Pillow can "
            "read (PNG or JPEG expected) or are too large; remove or replace them. "
            "Nothing was written.\n" + "\n".join(unreadable)
        )
    images, found = prepare_images(pictures)
    for name, has_object in zip(names, found, strict=True):
        if not has_object:
            logger.warning("%s%s: %s (blank or near-uniform)", folder, name, NO_OBJECT)
    logger.info("Prepared %d new image(s) from %s", len(names), folder)
    return np.stack(images), names, found


def predict_new_images(classifier: keras.Model, images: np.ndarray) -> np.ndarray:
    """Class probabilities of each image from the saved classifier."""
    return Predictor(classifier)(images)


def tabulate_predictions(
    names: list[str], probabilities: np.ndarray, object_found: list[bool]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``prediction_table`` with the file name of each image first, and a log
    line per image.

    Returns:
        The same table twice, for the Excel and the CSV copy.
    """
    table = prediction_table(probabilities, object_found)
    table.insert(0, "file", names)
    for row in table[table["object_found"]].itertuples():
        logger.info(
            "%s: %s (%.0f%%)", row.file, row.predicted_class, 100 * row.probability
        )
    return table, table


def plot_new_image_predictions(
    images: np.ndarray,
    names: list[str],
    probabilities: np.ndarray,
    object_found: list[bool],
) -> Figure:
    """The images as the model saw them, titled by file, with their predictions
    (or "no object found")."""
    count = min(len(images), MAX_PICTURED)
    figure = plot_image_grid(
        images[:count],
        CLASS_NAMES,
        titles=[_short(name) for name in names[:count]],
        predictions=probabilities[:count].argmax(axis=1),
        probabilities=probabilities[:count].max(axis=1),
    )
    for axis, found in zip(figure.axes, object_found[:count], strict=False):
        if not found:
            axis.set_xlabel(NO_OBJECT, fontsize=9, color="grey")
    shown = f"first {count} of {len(images)}" if count < len(images) else f"{count}"
    figure.suptitle(f"New images as the model sees them ({shown})")
    return figure


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"
