"""Rank training ideas on the validation split: each variant of the ``training``
section trained on the first training images and scored, as the finished model
predicts (flip test-time augmentation, the moving average of the weights), on
the held-out last ones. The test images are never loaded.

From the project root, in the project's environment:

    python scripts/ablate.py [--architecture cnn_bn] [--images 60000]
        [--validation-split 0.1] [--seeds 42] [--ensemble] [--csv ablation.csv]
        VARIANT [VARIANT ...]

A VARIANT is ``training`` keys as ``kedro run --params`` takes them, without
the ``training.`` prefix (``""`` is the architecture's own recipe):

    python scripts/ablate.py "" "ema=true" "augmentation.shift=0.07" \\
        "epochs=12,shape.dense=0"

With several ``--seeds``, ``--ensemble`` also scores, for each variant, the
mean of its seeds' answers on the held-out images (an ensemble of independently
trained models; its seconds are the sum of theirs).

Each run is a fresh process (nothing carries over between variants), one after
the other, so their seconds compare only within one sitting with nothing else
running. Prints a Markdown table; ``--csv`` appends every run with the date,
the machine and the commit (``ABLATE_COMMIT`` names it in a copy without git),
and the training network's parameters and multiply-adds per image.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import yaml

PROJECT = Path(__file__).resolve().parents[1]
COLUMNS = (
    "date",
    "machine",
    "commit",
    "architecture",
    "variant",
    "seed",
    "images",
    "validation_images",
    "validation_accuracy",
    "seconds",
    "parameters",
    "multiply_adds",
    "precision",
)


def overrides(variant: str) -> dict:
    """``"epochs=12,shape.dense=0"`` as the nested ``training`` dict it means
    (values read as YAML, as Kedro reads ``--params``)."""
    section: dict = {}
    for item in filter(None, (part.strip() for part in variant.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"{item!r}: expected key=value")
        *groups, name = key.strip().split(".")
        place = section
        for group in groups:
            place = place.setdefault(group, {})
        place[name] = yaml.safe_load(value)
    return section


def _train_one(
    architecture: str,
    variant: str,
    seed: int,
    images: int,
    split: float,
    answers: str | None = None,
):
    """Train and score one variant in this process; its row. With ``answers``
    (a ``.npz`` path), also save its class probabilities on the held-out
    images and their labels there."""
    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    bootstrap_project(PROJECT)
    with KedroSession.create(project_path=PROJECT) as session:
        catalog = session.load_context().catalog
        raw = catalog.load("raw_train_images")[:images]
        labels = catalog.load("raw_train_labels")[:images]

    from fashion_mnist.cost import describe_cost  # noqa: PLC0415
    from fashion_mnist.networks import build_network  # noqa: PLC0415
    from fashion_mnist.pipelines.data_processing.nodes import scale_images  # noqa: PLC0415
    from fashion_mnist.training import (  # noqa: PLC0415
        TrainingParams,
        score_classifier,
        train_classifier,
    )

    training = TrainingParams.model_validate(
        {**overrides(variant), "seed": seed, "validation_split": split}
    )
    pixels = scale_images(raw)
    model, result = train_classifier(architecture, pixels, labels, training)
    held_out = slice(result.samples, None)
    probabilities, _, accuracy = score_classifier(
        model, pixels[held_out], labels[held_out]
    )
    if answers:
        np.savez(answers, probabilities=probabilities, labels=labels[held_out])
    # What a training step asks (the network without its test-time views).
    cost = describe_cost(build_network(architecture, result.recipe))
    return {
        "architecture": architecture,
        "variant": variant,
        "seed": seed,
        "images": result.samples,
        "validation_images": len(pixels) - result.samples,
        "validation_accuracy": round(accuracy, 4),
        "seconds": round(result.seconds, 1),
        "parameters": cost["parameters"],
        "multiply_adds": cost["multiply_adds"],
        "precision": result.levers.precision,
    }


def ensemble_accuracy(answers: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Accuracy of the mean of several models' class probabilities, each given
    with the labels of the images it answered (the same images for all)."""
    labels = answers[0][1]
    if any(not np.array_equal(other, labels) for _, other in answers[1:]):
        raise ValueError("the members answered different held-out images")
    mean = np.mean([probabilities for probabilities, _ in answers], axis=0)
    return float(np.mean(np.argmax(mean, axis=-1) == labels))


def _commit() -> str:
    """The checkout's commit; in a copy without git, ``ABLATE_COMMIT``."""
    if os.environ.get("ABLATE_COMMIT"):
        return os.environ["ABLATE_COMMIT"]
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def _run(job: dict, number: int) -> dict:
    """Run one training ``job`` in a fresh process; its row."""
    print(
        f"[{number}] {job['architecture']} {job['variant'] or '(recipe)'} "
        f"seed {job['seed']} ...",
        file=sys.stderr,
        flush=True,
    )
    done = subprocess.run(
        [sys.executable, __file__, "x", "--one", json.dumps(job)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"variant {job['variant']!r} failed")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"    validation {row['validation_accuracy']:.4f} in {row['seconds']:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return row


def _ensemble_row(rows: list[dict], answers: list[Path]) -> dict:
    """The row of the mean of ``rows``' answers (one variant, several seeds)."""
    loaded = [np.load(path) for path in answers]
    accuracy = ensemble_accuracy([(a["probabilities"], a["labels"]) for a in loaded])
    return rows[0] | {
        "seed": "+".join(str(row["seed"]) for row in rows),
        "validation_accuracy": round(accuracy, 4),
        "seconds": round(sum(row["seconds"] for row in rows), 1),
    }


def _machine() -> str:
    """The CPU's name and its widest kind of arithmetic (AMD's two kinds share
    a name): what the docs' tables call the machine."""
    from fashion_mnist.performance import cpu_flags, cpu_model  # noqa: PLC0415

    flags = cpu_flags()
    kind = next((f for f in ("amx_bf16", "avx512_bf16", "avx2") if f in flags), "")
    return f"{cpu_model()} {kind.upper()} ({platform.machine()})".replace("  ", " ")


def _append(path: Path, row: dict) -> None:
    new = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="+")
    parser.add_argument("--architecture", default="cnn_bn")
    parser.add_argument("--images", type=int, default=60_000)
    parser.add_argument("--validation-split", type=float, default=0.1)
    parser.add_argument("--seeds", default="42", help="comma-separated")
    parser.add_argument(
        "--ensemble", action="store_true", help="also score the seeds' mean answers"
    )
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process's job
    args = parser.parse_args()
    if args.one:
        job = json.loads(args.one)
        print(json.dumps(_train_one(**job)))
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.ensemble and len(seeds) < 2:
        raise SystemExit("--ensemble needs at least two --seeds")
    from fashion_mnist.training import TrainingParams  # noqa: PLC0415

    for variant in args.variants:  # any bad variant stops the lot before training
        try:
            TrainingParams.model_validate(overrides(variant)).recipe(args.architecture)
        except ValueError as exc:
            raise SystemExit(f"variant {variant!r}: {exc}") from None
    stamp = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": _machine(),
        "commit": _commit(),
    }
    rows: list[dict] = []
    # Each variant's rows and answer files, by its place on the command line.
    members: list[list[dict]] = [[] for _ in args.variants]
    answers: list[list[Path]] = [[] for _ in args.variants]
    with tempfile.TemporaryDirectory() as scratch:
        for seed in seeds:
            for index, variant in enumerate(args.variants):
                path = Path(scratch, f"{index}-{seed}.npz")
                job = {
                    "architecture": args.architecture,
                    "variant": variant,
                    "seed": seed,
                    "images": args.images,
                    "split": args.validation_split,
                    "answers": str(path) if args.ensemble else None,
                }
                rows.append(_run(job, len(rows) + 1) | stamp)
                members[index].append(rows[-1])
                answers[index].append(path)
                if args.csv:
                    _append(args.csv, rows[-1])
        if args.ensemble:
            for mine, files in zip(members, answers, strict=True):
                rows.append(_ensemble_row(mine, files))
                if args.csv:
                    _append(args.csv, rows[-1])
    print("| variant | seed | validation accuracy | seconds |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(
            f"| `{row['variant'] or '(recipe)'}` | {row['seed']} | "
            f"{row['validation_accuracy']:.4f} | {row['seconds']:.0f} |"
        )


if __name__ == "__main__":
    main()
