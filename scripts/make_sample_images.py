"""Write sample "product photos" made from Fashion-MNIST test images.

Each photo is a test image turned into what a shop might show: a dark, coloured
object on a white background, upscaled, with uneven margins, saved as RGB JPEG
or PNG in data/01_raw/new_images/. The true labels go to
data/01_raw/new_images_labels.csv (outside the image folder), so that the
inference pipeline's predictions can be checked against them.

Usage (from the project root, in the project's environment):

    python scripts/make_sample_images.py [--count 20] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

import numpy as np
from PIL import Image

PROJECT = Path(__file__).resolve().parents[1]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=20, help="how many photos (default 20)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--project", type=Path, default=PROJECT, help="the Kedro project's root"
    )
    args = parser.parse_args()

    os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
    from kedro.framework.session import KedroSession  # noqa: PLC0415 (after the env is set)
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    bootstrap_project(args.project)
    with KedroSession.create(project_path=args.project) as session:
        context = session.load_context()
        images = context.catalog.load("raw_test_images")  # fetched if missing
        labels = context.catalog.load("raw_test_labels")
        class_names = context.params["data_processing"]["class_names"]

    folder = args.project / "data" / "01_raw" / "new_images"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    rows = []
    for number in range(args.count):
        label = number % len(class_names)
        index = int(rng.choice(np.flatnonzero(labels == label)))
        slug = class_names[label].lower().replace("/", "-").replace(" ", "-")
        name = f"sample-{number + 1:02d}-{slug}.{'jpg' if number % 2 == 0 else 'png'}"
        photo = make_photo(images[index], rng)
        photo.save(folder / name, **({"quality": 92} if name.endswith(".jpg") else {}))
        rows.append(
            {
                "file": name,
                "true_label": label,
                "true_class": class_names[label],
                "test_index": index,
            }
        )

    labels_file = folder.parent / "new_images_labels.csv"
    with labels_file.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"Wrote {len(rows)} sample photos to {folder} and their labels to {labels_file}."
    )
    print("Classify them with: kedro run --pipelines inference")


if __name__ == "__main__":
    main()
