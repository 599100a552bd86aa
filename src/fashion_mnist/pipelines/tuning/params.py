"""Parameters of the tuning pipeline, validated before anything trains."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

from fashion_mnist.defaults import ARCHITECTURE, SEED
from fashion_mnist.networks import SHAPED, Architecture
from fashion_mnist.recipes import (
    SHAPE_FIELDS,
    Recipe,
    check_recipe_value,
    recipe_group,
    recipe_kind,
)

# What a search may vary: the fields of a recipe (recipes.Recipe), each with the
# kind of value its annotation gives. Anything else in `search_space` is refused
# by name.
SearchKey = Literal[tuple(Recipe.model_fields)]  # type: ignore[valid-type]
INTEGERS = {name for name in Recipe.model_fields if recipe_kind(name)[0] is int}
# Booleans and Literals take choices only (a Literal's choices are its values).
CHOICES_ONLY = {
    name
    for name in Recipe.model_fields
    if recipe_kind(name)[0] is bool or recipe_kind(name)[1]
}
# Where each key lives under `training`: the augmentations and the network's
# shape sit one level down, in their group.
GROUPED = {
    name: recipe_group(name) for name in Recipe.model_fields if recipe_group(name)
}


def training_key(name: str) -> str:
    """A search key's place in the parameters, e.g. ``training.shape.width``."""
    return ".".join(filter(None, ("training", GROUPED.get(name), name)))


class SpaceSpec(BaseModel):
    """One parameter's range (``low``, ``high``, ``log``) or ``choices``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="search_space entry")

    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: list[float | int | bool | str] | None = None

    @model_validator(mode="after")
    def _range_or_choices(self) -> SpaceSpec:
        if self.choices is not None:
            if self.low is not None or self.high is not None or self.log:
                raise ValueError("give either choices, or low/high(/log), not both")
            if not self.choices:
                raise ValueError("choices must not be empty")
            return self
        if self.low is None or self.high is None:
            raise ValueError(
                "give low and high (and log: true for a log scale), or choices"
            )
        if self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(
                f"a log range needs low > 0, found low = {self.low} (through zero)"
            )
        return self


class SamplerParams(BaseModel):
    """``tuning.sampler``: how trials are chosen (Optuna's samplers)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="sampler")

    type: Literal["tpe", "random"] = "tpe"
    seed: int | None = SEED


class PrunerParams(BaseModel):
    """``tuning.pruner``: which trials stop early (Optuna's pruners)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="pruner")

    type: Literal["median", "none"] = "median"
    # The median pruner waits for this many finished trials, and lets every
    # trial train this many epochs, before it stops any.
    n_startup_trials: int = Field(5, ge=0)
    n_warmup_steps: int = Field(2, ge=0)


def _default_space() -> dict[str, SpaceSpec]:
    return {
        "learning_rate": SpaceSpec(low=0.0005, high=0.05, log=True),
        "label_smoothing": SpaceSpec(low=0.0, high=0.2),
        "batch_size": SpaceSpec(choices=[64, 128, 256]),
        "erasing": SpaceSpec(low=0.0, high=0.5),
    }


class TuningParams(BaseModel):
    """``tuning``: one hyperparameter search with Optuna."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="tuning")

    architecture: Architecture = ARCHITECTURE
    # Optuna's names: trials this run adds to the study, and a time limit in
    # seconds for this run (null: none); the run stops at whichever comes first.
    n_trials: PositiveInt | None = 20
    timeout: PositiveFloat | None = None
    search_space: dict[SearchKey, SpaceSpec] = Field(default_factory=_default_space)
    sampler: SamplerParams = Field(default_factory=SamplerParams)
    pruner: PrunerParams = Field(default_factory=PrunerParams)
    # Each trial's budget: epochs (the most an `epochs` range may reach) and the
    # first N training images (null: all 60,000), of which the last
    # `validation_split` are held out to score it. The test images are never used.
    epochs: PositiveInt = 8
    sample_limit: PositiveInt | None = 20_000
    validation_split: float = Field(0.2, gt=0.0, lt=1.0)
    # Where the study lives: null = the project's journal file (the catalog's
    # tuning_journal; several processes on one machine), or a database URL such
    # as postgresql+psycopg://user:password@host:5432/optuna (several machines).
    storage: str | None = None
    study_name: str = Field("fashion_mnist", min_length=1)

    @model_validator(mode="after")
    def _kinds_match(self) -> TuningParams:
        shape = sorted(key for key in self.search_space if key in SHAPE_FIELDS)
        if shape and self.architecture not in SHAPED:
            raise ValueError(
                f"search_space: {', '.join(shape)} change a network's shape, and "
                f"{self.architecture}'s is fixed (choose {' or '.join(SHAPED)})"
            )
        for key, spec in self.search_space.items():
            if key in CHOICES_ONLY and spec.choices is None:
                raise ValueError(f"search_space.{key}: takes choices, not a range")
            if key in INTEGERS and spec.choices is None:
                if spec.log and spec.low < 1:
                    raise ValueError(f"search_space.{key}: a log range needs low >= 1")
                if not (float(spec.low).is_integer() and float(spec.high).is_integer()):
                    raise ValueError(
                        f"search_space.{key}: low and high are whole numbers"
                    )
            if key == "epochs":
                most = spec.high if spec.choices is None else max(spec.choices)
                if most > self.epochs:
                    raise ValueError(
                        f"search_space.epochs reaches {most:g}, above the per-trial "
                        f"budget tuning.epochs = {self.epochs}"
                    )
        for key, spec in self.search_space.items():
            values = spec.choices if spec.choices is not None else [spec.low, spec.high]
            for value in values:
                if recipe_kind(key)[0] is int and isinstance(value, float):
                    value = int(value) if value.is_integer() else value  # noqa: PLW2901
                try:
                    check_recipe_value(key, value)
                except ValueError as exc:
                    raise ValueError(f"search_space.{exc}") from None
        return self
