"""The model the page serves, and one picture's answer as the page shows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from fashion_mnist_classifier import CLASS_NAMES, ImageError, open_image

from .texts import TEXTS

ENLARGED = 280  # pixels a side of the 28 x 28 picture as the page shows it
EXAMPLE_PHOTOS = 6  # sample photos among the examples
EXAMPLE_TEST_CLASSES = (0, 1, 7, 8)  # one real test image of each of these
TRAIN_HINT = "make run  (or: kedro run)"


class DemoError(RuntimeError):
    """Raised when the page cannot start: no model to serve, or no Gradio."""


@dataclass(frozen=True)
class ServedModel:
    """The MLflow model the page serves, and what the registry says of it."""

    classifier: Any  # fashion_mnist_classifier.model.ImageClassifier, loaded
    name: str  # e.g. "fashion_mnist_classifier version 3 (champion)"
    architecture: str
    test_accuracy: str

    @classmethod
    def load(cls, uri: str, folder: Path) -> ServedModel:
        """Load ``uri`` from the tracking store MLflow is set to, its files
        copied into ``folder`` (MLflow would leave them in the system's
        temporary folder for good: mlflow/mlflow#12140).

        Raises:
            DemoError: When the URI names no model (none trained yet).
        """
        import mlflow  # noqa: PLC0415 (after the tracking URI is set)
        from mlflow.exceptions import MlflowException  # noqa: PLC0415

        try:
            version = _registered_version(uri)
            folder.mkdir(parents=True, exist_ok=True)
            loaded = mlflow.pyfunc.load_model(uri, dst_path=str(folder))
        except (MlflowException, OSError) as exc:
            raise DemoError(
                f"No model to serve at {uri} ({str(exc).splitlines()[0]}). Train "
                f"and register one first with: {TRAIN_HINT}"
            ) from None
        tags = version.tags if version else {}
        name = uri
        if version:
            alias = f" ({', '.join(version.aliases)})" if version.aliases else ""
            name = f"{version.name} version {version.version}{alias}"
        return cls(
            classifier=loaded.unwrap_python_model(),
            name=name,
            architecture=tags.get("architecture", "unknown architecture"),
            test_accuracy=tags.get("test_accuracy", "unknown"),
        )


def _registered_version(uri: str) -> Any:
    """The registry's record of a ``models:/NAME@ALIAS`` or ``models:/NAME/N``
    URI, or None for other URIs (runs:/..., a folder)."""
    if not uri.startswith("models:/"):
        return None
    from mlflow.tracking import MlflowClient  # noqa: PLC0415

    client = MlflowClient()
    name, _, rest = uri.removeprefix("models:/").partition("/")
    if "@" in name:
        name, alias = name.split("@", 1)
        return client.get_model_version_by_alias(name, alias)
    return client.get_model_version(name, rest)


@dataclass(frozen=True)
class Answer:
    """What the page shows for one picture."""

    label: dict[str, float] | None  # class -> probability, or None (no garment)
    original: Image.Image
    seen: Image.Image  # the network's input, enlarged
    verdict: str  # Markdown


def answer(model: ServedModel, picture: Image.Image, language: str) -> Answer:
    """Classify one decoded picture with the served model's own code."""
    text = TEXTS[language]
    classified = model.classifier.classify([picture])
    seen = Image.fromarray((classified.images[0] * 255).round().astype(np.uint8))
    seen = seen.resize((ENLARGED, ENLARGED), Image.Resampling.NEAREST)
    row = classified.table.iloc[0]
    if not row["object_found"]:
        return Answer(None, picture, seen, text["no_garment"])
    probabilities = classified.probabilities[0]
    label = {name: float(p) for name, p in zip(CLASS_NAMES, probabilities, strict=True)}
    verdict = text["verdict"].format(
        label=row["predicted_class"], probability=float(probabilities.max())
    )
    return Answer(label, picture, seen, verdict)


def picture_from_file(path: str | None, language: str) -> Image.Image:
    """The uploaded file as a picture, with the served model's limits.

    Raises:
        ValueError: Saying, in ``language``, what is wrong with the file.
    """
    text = TEXTS[language]
    if not path:
        raise ValueError(text["nothing"])
    try:
        return open_image(Path(path).read_bytes())
    except ImageError as exc:
        raise ValueError(text["not_a_picture"].format(reason=exc)) from None


def picture_from_drawing(drawing: Any, language: str) -> Image.Image:
    """The sketchpad's picture (its layers over white)."""
    composite = drawing.get("composite") if isinstance(drawing, dict) else drawing
    if composite is None:
        raise ValueError(TEXTS[language]["nothing"])
    return (
        composite if isinstance(composite, Image.Image) else Image.fromarray(composite)
    )


def write_examples(
    photos: list[Path], test_images: np.ndarray, test_labels: np.ndarray, folder: Path
) -> list[tuple[str, str]]:
    """The examples the page offers: (file, caption key and arguments), the
    first sample photos and a few real test images saved as PNG files."""
    examples = [(str(path), f"photo:{path.stem}") for path in photos[:EXAMPLE_PHOTOS]]
    picks = [
        int(np.flatnonzero(test_labels == label)[0]) for label in EXAMPLE_TEST_CLASSES
    ]
    for index in picks:
        path = folder / f"test-{index:05d}.png"
        Image.fromarray(test_images[index]).save(path)
        examples.append((str(path), f"test:{index}:{int(test_labels[index])}"))
    return examples


def caption(key: str, language: str, labels: dict[str, str]) -> str:
    """An example's caption: its class, and whether it is a real test image."""
    text = TEXTS[language]
    kind, _, rest = key.partition(":")
    if kind == "test":
        _, label = rest.split(":")
        return text["example_test"].format(name=CLASS_NAMES[int(label)])
    return text["example_photo"].format(name=labels.get(rest, rest))
