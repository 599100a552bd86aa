"""Sample "product photos" made from Fashion-MNIST test images, for trying the
``inference`` pipeline (``python scripts/make_sample_images.py``).

Each photo is a test image turned into what a shop might show: a dark, coloured
object on a white background, upscaled, with uneven margins, saved as RGB JPEG
or PNG in ``data/01_raw/new_images/``. The true labels go to
``data/01_raw/new_images_labels.csv`` (outside the image folder), so that the
predictions can be checked against them.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
from PIL import Image

from fashion_mnist_classifier.data_spec import CLASS_NAMES

logger = logging.getLogger(__name__)

COLOURS = [(20, 40, 120), (140, 20, 30), (30, 90, 40), (60, 60, 60), (110, 70, 20)]


def make_photo(image: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """A 28 x 28 Fashion-MNIST image as an RGB product photo (dark object on white)."""
    scale = int(rng.integers(6, 13))
    big = Image.fromarray(image).resize(
        (28 * scale, 28 * scale), Image.Resampling.BICUBIC
    )
    weight = np.asarray(big, dtype=np.float32)[..., None] / 255.0
    colour = np.array(COLOURS[int(rng.integers(len(COLOURS)))], dtype=np.float32)
    photo = (1.0 - weight) * 255.0 + weight * colour
    margins = rng.integers(5, 28 * scale // 2, size=4)  # left, top, right, bottom
    canvas = np.full(
        (
            photo.shape[0] + margins[1] + margins[3],
            photo.shape[1] + margins[0] + margins[2],
            3,
        ),
        255.0,
        dtype=np.float32,
    )
    canvas[
        margins[1] : margins[1] + photo.shape[0],
        margins[0] : margins[0] + photo.shape[1],
    ] = photo
    return Image.fromarray(canvas.round().astype(np.uint8), mode="RGB")


def write_sample_photos(
    images: np.ndarray, labels: np.ndarray, folder: Path, count: int = 20, seed: int = 7
) -> Path:
    """Write ``count`` photos of random test images (classes in turn) to ``folder``
    and their true classes to ``new_images_labels.csv`` next to it.

    Returns:
        The path of the labels file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for number in range(count):
        label = number % len(CLASS_NAMES)
        index = int(rng.choice(np.flatnonzero(labels == label)))
        slug = CLASS_NAMES[label].lower().replace("/", "-").replace(" ", "-")
        name = f"sample-{number + 1:02d}-{slug}.{'jpg' if number % 2 == 0 else 'png'}"
        photo = make_photo(images[index], rng)
        photo.save(folder / name, **({"quality": 92} if name.endswith(".jpg") else {}))
        rows.append(
            {
                "file": name,
                "true_label": label,
                "true_class": CLASS_NAMES[label],
                "test_index": index,
            }
        )
    labels_file = folder.parent / "new_images_labels.csv"
    with labels_file.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    logger.info("Wrote %d sample photos to %s", count, folder)
    return labels_file
