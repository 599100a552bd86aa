"""Parameters of the cross_validation pipeline, validated before anything runs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from fashion_mnist.networks import NETWORKS, Architecture
from fashion_mnist.param_types import Distinct
from fashion_mnist.training import TrainingParams


class Variant(BaseModel):
    """``cross_validation.variants.<name>``: a network trained with ``training``
    keys of its own on top of the run's ``training`` section, compared under its
    name like the named architectures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    architecture: Architecture
    # Any ``training`` key; validated (names, types, bounds) as ``training`` is.
    training: TrainingParams = Field(default_factory=TrainingParams)


class CrossValidationParams(BaseModel):
    """``cross_validation``: the folds, and which architectures to compare."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="cross_validation")

    folds: int = Field(5, ge=2)
    architectures: Distinct[Architecture] = Field(
        default_factory=lambda: ["mlp", "cnn", "cnn_augmented", "cnn_bn"]
    )
    variants: dict[str, Variant] = Field(default_factory=dict)
    epochs: PositiveInt | None = None  # null: as `training` (the recipe's)
    batch_size: PositiveInt | None = None  # null: as `training` (the recipe's)

    @model_validator(mode="after")
    def _something_distinct_to_compare(self) -> CrossValidationParams:
        if not self.architectures and not self.variants:
            raise ValueError("give at least one of architectures and variants")
        taken = sorted(set(self.variants) & set(NETWORKS))
        if taken:
            raise ValueError(
                f"variants: {taken} name networks; give a variant a name of its own"
            )
        return self

    def plan(self, training: TrainingParams) -> list[tuple[str, str, TrainingParams]]:
        """What is trained on every fold: the name it is reported under, its
        architecture and its training settings (``training``, then a variant's
        keys, then ``epochs`` and ``batch_size`` from here where given; no
        validation split). Each recipe is made here, so a key that does not fit
        its network (a shape for ``cnn``) stops the run before any training."""
        given = {"epochs": self.epochs, "batch_size": self.batch_size}
        last = {key: value for key, value in given.items() if value is not None}
        last["validation_split"] = 0.0
        entries = [(name, name, {}) for name in self.architectures] + [
            (
                name,
                variant.architecture,
                variant.training.model_dump(exclude_unset=True),
            )
            for name, variant in self.variants.items()
        ]
        plan = []
        for name, architecture, own in entries:
            try:
                settings = training.layered(own, last)
                settings.recipe(architecture)
            except ValueError as exc:
                raise ValueError(f"cross_validation: {name}: {exc}") from None
            plan.append((name, architecture, settings))
        return plan
