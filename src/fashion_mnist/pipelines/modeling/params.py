"""Parameters of the modeling pipeline, validated before any training starts.

Kedro 1.7 builds these pydantic models from ``conf/base/parameters_modeling.yml``
(plus ``--params``) for every node input annotated with them, and stops the run
with a message naming the key when a value is wrong or a key is unknown.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fashion_mnist.defaults import ARCHITECTURE
from fashion_mnist.networks import Architecture
from fashion_mnist.training import TrainingParams

__all__ = ["AccuracyCheckParams", "FiguresParams", "ModelParams", "TrainingParams"]


class ModelParams(BaseModel):
    """``model``: which network (each comes with its training recipe)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="model")

    architecture: Architecture = ARCHITECTURE


class AccuracyCheckParams(BaseModel):
    """``accuracy_check``: the gate that fails the run below a threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="accuracy_check")

    split: Literal["test", "train"] = "test"
    threshold: float = Field(0.90, ge=0.0, le=1.0)


class FiguresParams(BaseModel):
    """``figures``: what the modeling reports draw."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="figures")

    prediction_count: int = Field(20, ge=1, le=100)
