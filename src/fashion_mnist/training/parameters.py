"""``training``: the parameters of how a network is fitted, validated by pydantic."""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

from fashion_mnist.distribution import DistributionParams
from fashion_mnist.networks import NETWORKS, Architecture
from fashion_mnist.performance import Levers, PerformanceParams, resolve
from fashion_mnist.recipes import Recipe, Schedule


class AugmentationParams(BaseModel):
    """``training.augmentation``: null values keep the architecture's recipe."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="augmentation")

    flip: bool | None = None
    shift: float | None = Field(None, ge=0.0, le=0.5)
    erasing: float | None = Field(None, ge=0.0, le=1.0)


class TrainingParams(BaseModel):
    """``training``: how the network is fitted.

    ``null`` (None) means "as the architecture's recipe says" (see
    ``networks.NETWORKS``); any value given here overrides the recipe.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, title="training")

    epochs: PositiveInt | None = None
    batch_size: PositiveInt | None = None
    learning_rate: PositiveFloat | None = None
    schedule: Schedule | None = None
    label_smoothing: float | None = Field(None, ge=0.0, lt=1.0)
    flip_tta: bool | None = None
    augmentation: AugmentationParams = Field(default_factory=AugmentationParams)
    seed: int = 42
    validation_split: float = Field(0.0, ge=0.0, lt=1.0)
    performance: PerformanceParams = Field(default_factory=PerformanceParams)
    distribution: DistributionParams = Field(default_factory=DistributionParams)

    def recipe(self, architecture: Architecture) -> Recipe:
        """The architecture's recipe with this section's non-null values on top."""
        base = NETWORKS[architecture].recipe
        changes = {
            key: value
            for key, value in {
                "epochs": self.epochs,
                "batch_size": self.batch_size,
                "learning_rate": self.learning_rate,
                "schedule": self.schedule,
                "label_smoothing": self.label_smoothing,
                "flip_tta": self.flip_tta,
                **self.augmentation.model_dump(),
            }.items()
            if value is not None
        }
        return replace(base, **changes)

    def levers(self, architecture: Architecture) -> Levers:
        """The speed levers ``performance`` resolves to on this machine for
        ``architecture`` under this section's distribution strategy."""
        return resolve(
            self.performance,
            convolutional=NETWORKS[architecture].convolutional,
            distributed=self.distribution.strategy != "none",
        )
