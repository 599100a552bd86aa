"""What the model registry records about a classifier, and when the champion
alias moves (used by ``datasets/mlflow_image_classifier.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

import keras
import onnx

from fashion_mnist_classifier import REQUIREMENTS


@dataclass(frozen=True)
class ClassifierPackage:
    """A trained classifier with what the registry records about it."""

    model: keras.Model
    test_accuracy: float
    architecture: str
    onnx_model: onnx.ModelProto | None = None  # the same network, for onnxruntime


def champion_should_move(new_accuracy: float, champion_accuracy: float | None) -> bool:
    """Whether a new version becomes the champion: when there is none yet, or
    its test accuracy is at least the champion's."""
    return champion_accuracy is None or new_accuracy >= champion_accuracy


def pinned_requirements(names: tuple[str, ...] = REQUIREMENTS) -> list[str]:
    """``name==version`` for each distribution, as installed here: what a
    recorded model needs, at the versions it was trained and tested with."""
    return [f"{name}=={version(name)}" for name in names]
