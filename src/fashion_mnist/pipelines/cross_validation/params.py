"""Parameters of the cross_validation pipeline, validated before anything runs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from fashion_mnist.networks import Architecture
from fashion_mnist.param_types import Distinct


class CrossValidationParams(BaseModel):
    """``cross_validation``: the folds, and which architectures to compare."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="cross_validation")

    folds: int = Field(5, ge=2)
    architectures: Distinct[Architecture] = Field(
        default_factory=lambda: ["mlp", "cnn", "cnn_augmented", "cnn_bn"], min_length=1
    )
    epochs: PositiveInt | None = None  # null: as `training` (the recipe's)
    batch_size: PositiveInt | None = None  # null: as `training` (the recipe's)
