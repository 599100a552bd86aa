"""The recipe's definition: each training hyperparameter's one home (type,
bounds, default meaning), what each field takes, and the lab's and the fast recipe."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    TypeAdapter,
    ValidationError,
    model_validator,
)

Schedule = Literal["constant", "one_cycle"]
Optimizer = Literal["adam", "adamw", "sgd"]
# The fields that ``training.augmentation`` and ``training.shape`` group (one
# level down in YAML).
AUGMENTATION = "augmentation"
SHAPE = "shape"


def _shape(description: str, *, optional: bool = False, **bounds: Any) -> Any:
    """A field of the network's shape: None for a network whose shape is fixed
    (``mlp``, ``cnn``); ``networks.py`` builds the convolution stages from them.
    An ``optional`` one may be None in a shape too (its description says what
    None means there)."""
    extra = {"group": SHAPE, "optional": optional}
    return Field(None, description=description, json_schema_extra=extra, **bounds)


class Recipe(BaseModel):
    """How an architecture is trained unless ``training`` parameters say otherwise.

    The one home of each training hyperparameter: its type, bounds and default
    meaning. The ``training`` overrides (``training/parameters.py``) and the
    tuning search keys and their kinds (``pipelines/tuning/params.py``) are
    derived from these fields; a field with ``group="augmentation"`` sits under
    ``training.augmentation``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: PositiveInt
    batch_size: PositiveInt
    learning_rate: PositiveFloat = Field(description="the peak rate for one_cycle")
    schedule: Schedule
    label_smoothing: float = Field(ge=0.0, lt=1.0)
    flip: bool = Field(
        description="random horizontal flips", json_schema_extra={"group": AUGMENTATION}
    )
    shift: float = Field(
        ge=0.0,
        le=0.5,
        description="random shifts, as a fraction of the image size",
        json_schema_extra={"group": AUGMENTATION},
    )
    erasing: float = Field(
        ge=0.0,
        le=1.0,
        description="probability of erasing a random rectangle",
        json_schema_extra={"group": AUGMENTATION},
    )
    flip_tta: bool = Field(
        description="predict as the mean of the image and its mirror image"
    )
    shift_tta: bool = Field(
        False,
        description="also predict on the image moved by one pixel left, right, up "
        "and down (the mean of all views; with flip_tta, of their mirrors too)",
    )
    optimizer: Optimizer = Field(
        "adam",
        description="adam (the lab's); adamw: Adam with decoupled weight decay "
        "(Keras' 0.004); sgd: SGD with Nesterov momentum 0.9",
    )
    ema: bool = Field(
        False,
        description="keep an exponential moving average of the weights "
        "(momentum 0.99) and predict with it",
    )
    members: PositiveInt = Field(
        1,
        le=5,
        description="networks trained one after another, from seeds seed, "
        "seed + 1, ..., predicting the mean of their answers (an ensemble; "
        "each trains all the epochs)",
    )
    # The shape of the batch-normalised convolution networks (cnn_bn, vgg_bn):
    # `stages` stages of `convolutions` 3x3 convolutions each (batch norm, ReLU;
    # the first stage `first_convolutions` if given; with `residual`, a skip
    # connection over each stage; with `whitening`, a frozen whitening layer
    # before the first), `width` filters in the
    # first stage, doubled at each next one (the first stage `first_width` if
    # given), a 2x2 max pooling after each stage (with `early_pooling`, after
    # its first convolution), then a dense layer and dropout.
    width: int | None = _shape(
        "filters of the first stage's convolutions (doubled at each stage)",
        ge=4,
        le=256,
    )
    stages: int | None = _shape(
        "convolution stages, each ending in 2x2 max pooling (28 px: 4 at most)",
        ge=1,
        le=4,
    )
    convolutions: int | None = _shape("convolutions per stage", ge=1, le=4)
    first_convolutions: int | None = _shape(
        "convolutions of the first stage, at full resolution (None: as many as "
        "the other stages)",
        optional=True,
        ge=1,
        le=4,
    )
    first_width: int | None = _shape(
        "filters of the first stage's convolutions, at full resolution (None: "
        "width; the next stages keep width doubled at each stage)",
        optional=True,
        ge=4,
        le=256,
    )
    residual: bool | None = _shape(
        "add each stage's first convolution's output to its last one's (a skip "
        "connection over the stage; a stage of one convolution has none; None: "
        "no skips)",
        optional=True,
    )
    early_pooling: bool | None = _shape(
        "pool each stage right after its first convolution, so that the others "
        "run at half its resolution (airbench's order; None: after its last)",
        optional=True,
    )
    whitening: bool | None = _shape(
        "start with a frozen layer that whitens the training images' 2x2 "
        "patches (8 channels: airbench's first layer; None: none)",
        optional=True,
    )
    dense: int | None = _shape(
        "units of the dense layer before the output (0: none)", ge=0, le=2048
    )
    dropout: float | None = _shape("dropout before the output", ge=0.0, lt=1.0)

    @model_validator(mode="after")
    def _whole_shape(self) -> Recipe:
        given = {
            name: getattr(self, name) is not None
            for name in SHAPE_FIELDS
            if name not in OPTIONAL_SHAPE_FIELDS
        }
        if any(given.values()) and not all(given.values()):
            missing = sorted(name for name, ok in given.items() if not ok)
            raise ValueError(f"a network shape needs all of its fields: {missing}")
        if not any(given.values()):
            extra = [n for n in OPTIONAL_SHAPE_FIELDS if getattr(self, n) is not None]
            if extra:
                raise ValueError(f"{extra} refine a network shape, and none is given")
        return self

    @property
    def shaped(self) -> bool:
        """Whether the recipe says the network's shape (cnn_bn, vgg_bn)."""
        return self.width is not None

    def describe(self) -> dict[str, object]:
        return self.model_dump()

    def changed(self, **changes: Any) -> Recipe:
        """This recipe with ``changes``, validated."""
        return Recipe.model_validate({**self.model_dump(), **changes})


def _extra(name: str) -> dict[str, Any]:
    """What recipe field ``name`` says of itself beyond its type and bounds."""
    return Recipe.model_fields[name].json_schema_extra or {}


def recipe_group(name: str) -> str | None:
    """The section a recipe field sits in under ``training`` (None: on top)."""
    return _extra(name).get("group")


SHAPE_FIELDS = tuple(
    name for name in Recipe.model_fields if recipe_group(name) == SHAPE
)
OPTIONAL_SHAPE_FIELDS = tuple(
    name for name in SHAPE_FIELDS if _extra(name).get("optional")
)


def check_recipe_value(name: str, value: Any) -> None:
    """Raise ValueError when ``value`` is outside what recipe field ``name``
    takes (its type and bounds)."""
    field = Recipe.model_fields[name]
    try:
        kind = (
            Annotated[field.annotation, *field.metadata]
            if field.metadata
            else field.annotation
        )
        TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise ValueError(f"{name} = {value!r}: {reason}") from None


def recipe_kind(name: str) -> tuple[type, tuple[Any, ...]]:
    """A recipe field's kind (``int``, ``float``, ``bool`` or ``str``) and, for
    a ``Literal``, its choices."""
    annotation = Recipe.model_fields[name].annotation
    kinds = [kind for kind in typing.get_args(annotation) if kind is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = kinds  # X | None: the kind is X
    if typing.get_origin(annotation) is Literal:
        choices = typing.get_args(annotation)
        return type(choices[0]), choices
    return annotation, ()


LAB_RECIPE = Recipe(
    epochs=10,
    batch_size=64,
    learning_rate=0.001,  # Adam's default, as compile(optimizer="adam")
    schedule="constant",
    label_smoothing=0.0,
    flip=False,
    shift=0.0,
    erasing=0.0,
    flip_tta=False,
)

# What the fast-training literature uses; the networks that train with it
# differ only in the number of epochs.
FAST_RECIPE = Recipe(
    epochs=15,
    batch_size=128,
    learning_rate=0.003,
    schedule="one_cycle",
    label_smoothing=0.1,
    flip=True,
    shift=0.0,
    erasing=0.0,
    flip_tta=True,
)
