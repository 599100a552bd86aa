"""``training``: the parameters of how a network is fitted, validated by pydantic.

The recipe overrides are derived from ``recipes.Recipe``, the one home of each
training hyperparameter: every recipe field becomes an optional key here (a
``null`` keeps the architecture's recipe), with the recipe's type and bounds,
on top or under ``augmentation`` or ``shape`` as the field's group says.
"""

from __future__ import annotations

from typing import Any, Self

from omegaconf import OmegaConf
from pydantic import BaseModel, ConfigDict, Field, create_model

from fashion_mnist.defaults import SEED
from fashion_mnist.distribution import DistributionParams
from fashion_mnist.networks import NETWORKS, SHAPED, Architecture
from fashion_mnist.performance import Levers, PerformanceParams, resolve
from fashion_mnist.recipes import (
    AUGMENTATION,
    SHAPE,
    SHAPE_FIELDS,
    Recipe,
    recipe_group,
)

_FROZEN = ConfigDict(extra="forbid", frozen=True)


def _optional(name: str) -> tuple[Any, Any]:
    """A recipe field as an override: the same type and bounds, or None."""
    field = Recipe.model_fields[name]
    constraints = {
        key: getattr(item, key)
        for item in field.metadata
        for key in ("ge", "gt", "le", "lt")
        if getattr(item, key, None) is not None
    }
    return field.annotation | None, Field(
        None, description=field.description, **constraints
    )


def _overrides(group: str | None) -> dict[str, tuple[Any, Any]]:
    return {
        name: _optional(name)
        for name in Recipe.model_fields
        if recipe_group(name) == group
    }


# The recipe fields that sit directly under ``training``.
_TOP_LEVEL = tuple(name for name in Recipe.model_fields if recipe_group(name) is None)

AugmentationParams = create_model(
    "AugmentationParams",
    __config__=ConfigDict(extra="forbid", frozen=True, title=AUGMENTATION),
    __doc__="``training.augmentation``: null values keep the architecture's recipe.",
    **_overrides(AUGMENTATION),
)
ShapeParams = create_model(
    "ShapeParams",
    __config__=ConfigDict(extra="forbid", frozen=True, title=SHAPE),
    __doc__="``training.shape``: the network's shape (cnn_bn, vgg_bn); null values "
    "keep the architecture's.",
    **_overrides(SHAPE),
)


class _Training(BaseModel):
    """``training``: how the network is fitted.

    ``null`` (None) means "as the architecture's recipe says" (see
    ``networks.NETWORKS``); any value given here overrides the recipe.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, title="training")

    augmentation: AugmentationParams = Field(default_factory=AugmentationParams)
    shape: ShapeParams = Field(default_factory=ShapeParams)
    seed: int = SEED
    validation_split: float = Field(0.0, ge=0.0, lt=1.0)
    performance: PerformanceParams = Field(default_factory=PerformanceParams)
    distribution: DistributionParams = Field(default_factory=DistributionParams)

    def recipe_changes(self) -> dict[str, Any]:
        """The recipe fields this section sets (non-null), by recipe name."""
        values = {name: getattr(self, name) for name in _TOP_LEVEL}
        values |= self.augmentation.model_dump() | self.shape.model_dump()
        return {key: value for key, value in values.items() if value is not None}

    def recipe(self, architecture: Architecture) -> Recipe:
        """The architecture's recipe with this section's non-null values on top."""
        base = NETWORKS[architecture].recipe
        changes = self.recipe_changes()
        if architecture not in SHAPED and changes.keys() & set(SHAPE_FIELDS):
            raise ValueError(
                f"training.shape: {architecture}'s shape is fixed; the shape "
                f"fields apply to {', '.join(SHAPED)}"
            )
        return base.changed(**changes)

    def layered(self, *layers: dict[str, Any]) -> Self:
        """This section with each layer's keys on top, nested sections
        (``augmentation``, ``shape``, ...) key by key, as Kedro merges
        configuration (OmegaConf's merge), validated again as a whole."""
        merged = OmegaConf.merge(self.model_dump(), *layers)
        return type(self).model_validate(OmegaConf.to_container(merged))

    def levers(self, architecture: Architecture, samples: int | None = None) -> Levers:
        """The speed levers ``performance`` resolves to on this machine for
        ``architecture`` under this section's distribution strategy, trained
        on ``samples`` images x epochs (None: not known)."""
        return resolve(
            self.performance,
            convolutional=NETWORKS[architecture].convolutional,
            distributed=self.distribution.strategy != "none",
            samples=samples,
        )


TrainingParams = create_model(
    "TrainingParams", __base__=_Training, __doc__=_Training.__doc__, **_overrides(None)
)
