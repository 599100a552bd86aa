"""Write sample "product photos" made from Fashion-MNIST test images.

The photos go to data/01_raw/new_images/ and their true classes to
data/01_raw/new_images_labels.csv; see fashion_mnist/samples.py.

Usage (from the project root, in the project's environment):

    python scripts/make_sample_images.py [--count 20] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


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
    # Imported after the environment is set.
    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    from fashion_mnist.samples import write_sample_photos  # noqa: PLC0415

    bootstrap_project(args.project)
    with KedroSession.create(project_path=args.project) as session:
        context = session.load_context()
        images = context.catalog.load("raw_test_images")  # fetched if missing
        labels = context.catalog.load("raw_test_labels")
        # The folder the inference pipeline reads (conf/base/globals.yml).
        folder = (
            args.project / context.config_loader["globals"]["inference"]["new_images"]
        )

    labels_file = write_sample_photos(images, labels, folder, args.count, args.seed)
    print(
        f"Wrote {args.count} sample photos to {folder} and their labels to {labels_file}."
    )
    print("Classify them with: kedro run --pipelines inference")


if __name__ == "__main__":
    main()
