"""Measure each network's cost and training speed on this machine: parameters,
multiply-adds per image, and training images per second for each precision,
with TensorFlow's oneDNN kernels on and off.

From the project root, in the project's environment, with nothing else running:

    python scripts/measure_network_speed.py [--architectures cnn,cnn_bn]
        [--precisions float32,mixed_bfloat16] [--onednn 0,1] [--images 12000]
        [--timed-epochs 1] [--rounds 2] [--csv speed.csv]
        [--variant "shape.width=16,batch_size=256" ...]

Each measurement is a fresh process (``TF_ENABLE_ONEDNN_OPTS`` is read when
TensorFlow loads) that trains the architecture with its own recipe on the first
``--images`` training images: one untimed epoch (tracing, caches), then
``--timed-epochs`` timed ones, with the project's ``auto`` levers except the
precision asked for; each ``--variant`` (``training`` keys as
``scripts/ablate.py`` takes them; ``""``, the default, is the recipe itself)
is measured for each architecture. The settings are measured round-robin, in reverse order
every other round, so a machine whose speed drifts favours none of them.
Prints a Markdown table of the median images per second; ``--csv`` keeps
every run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "scripts"))
from ablate import overrides  # noqa: E402  (one reading of a variant for both scripts)


def first_training_images(count: int) -> tuple:
    """The first ``count`` training images through the project's catalog,
    scaled as the pipelines scale them, and their labels."""
    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    bootstrap_project(PROJECT)
    with KedroSession.create(project_path=PROJECT) as session:
        catalog = session.load_context().catalog
        raw_images = catalog.load("raw_train_images")[:count]
        labels = catalog.load("raw_train_labels")[:count]

    from fashion_mnist.pipelines.data_processing.nodes import scale_images  # noqa: PLC0415

    return scale_images(raw_images), labels


def train_on_first_images(
    architecture: str,
    variant: str,
    precision: str,
    images: int,
    epochs: int,
    callbacks: list,
):
    """Train ``architecture`` with its recipe changed by ``variant`` for
    ``epochs`` epochs in ``precision`` on the first ``images`` training images
    (the project's other ``auto`` levers); the fit's result."""
    from fashion_mnist.training import TrainingParams, train_classifier  # noqa: PLC0415

    scaled, labels = first_training_images(images)
    section = overrides(variant)
    section["epochs"] = epochs
    section.setdefault("performance", {})["precision"] = precision
    training = TrainingParams.model_validate(section)
    _, result = train_classifier(
        architecture, scaled, labels, training, callbacks=callbacks
    )
    return result


def _measure_one(
    architecture: str, variant: str, precision: str, images: int, timed: int
) -> dict:
    """Train once in this process and return what was measured."""
    from fashion_mnist.cost import describe_cost  # noqa: PLC0415
    from fashion_mnist.networks import build_network  # noqa: PLC0415
    from fashion_mnist.pipelines.benchmarking.timing import EpochTimer  # noqa: PLC0415

    timer = EpochTimer()
    result = train_on_first_images(
        architecture, variant, precision, images, 1 + timed, [timer]
    )
    seconds = statistics.mean(epoch.seconds for epoch in timer.epochs[1:])
    return {
        **describe_cost(build_network(architecture, result.recipe)),
        "batch_size": result.recipe.batch_size,
        "images_per_second": result.samples / seconds,
    }


def _run(architecture: str, variant: str, precision: str, onednn: str, args) -> dict:
    environment = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": onednn}
    command = [
        sys.executable,
        __file__,
        "--one",
        architecture,
        variant,
        precision,
        f"--images={args.images}",
        f"--timed-epochs={args.timed_epochs}",
    ]
    done = subprocess.run(
        command, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(
            f"{architecture} {variant!r} {precision} oneDNN={onednn} failed"
        )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "architecture": architecture,
        "variant": variant,
        "precision": precision,
        "onednn": onednn,
        **measured,
    }


def _table(rows: list[dict]) -> str:
    cells: dict[tuple, list[float]] = {}
    for row in rows:
        key = (row["architecture"], row["variant"], row["precision"], row["onednn"])
        cells.setdefault(key, []).append(row["images_per_second"])
    lines = [
        "| architecture | variant | precision | oneDNN | runs | images/s (median) "
        "| all runs |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for (architecture, variant, precision, onednn), speeds in cells.items():
        lines.append(
            f"| {architecture} | {variant or '(recipe)'} | {precision} "
            f"| {'on' if onednn == '1' else 'off'} "
            f"| {len(speeds)} | {statistics.median(speeds):.0f} "
            f"| {', '.join(f'{s:.0f}' for s in speeds)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--one", nargs=3, metavar=("ARCHITECTURE", "VARIANT", "PRECISION")
    )
    parser.add_argument("--architectures", default="mlp,cnn,cnn_bn,vgg_bn")
    parser.add_argument("--precisions", default="float32,mixed_bfloat16")
    parser.add_argument("--onednn", default="0,1")
    parser.add_argument("--images", type=int, default=12000)
    parser.add_argument("--timed-epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--variant", action="append", dest="variants")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_measure_one(*args.one, args.images, args.timed_epochs)))
        return
    from fashion_mnist.training import TrainingParams  # noqa: PLC0415

    for architecture in args.architectures.split(","):  # refused before any runs
        for variant in args.variants or [""]:
            try:
                TrainingParams.model_validate(overrides(variant)).recipe(architecture)
            except ValueError as exc:
                raise SystemExit(f"{architecture} {variant!r}: {exc}") from None
    settings = [
        (architecture, variant, precision, onednn)
        for architecture in args.architectures.split(",")
        for variant in args.variants or [""]
        for precision in args.precisions.split(",")
        for onednn in args.onednn.split(",")
    ]
    rows = []
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.images} images", flush=True)
    for round_number in range(args.rounds):
        order = settings if round_number % 2 == 0 else settings[::-1]
        for setting in order:
            rows.append(_run(*setting, args))
            print(json.dumps(rows[-1]), flush=True)
            if args.csv:
                with args.csv.open("w", newline="") as file:
                    writer = csv.DictWriter(file, fieldnames=list(rows[0]))
                    writer.writeheader()
                    writer.writerows(rows)
    print(_table(rows))


if __name__ == "__main__":
    main()
