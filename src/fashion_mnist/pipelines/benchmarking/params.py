"""Parameters of the benchmarking pipeline, validated before anything is timed."""

from __future__ import annotations

import multiprocessing
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from fashion_mnist.networks import Architecture
from fashion_mnist.param_types import Distinct


class SpeedParams(BaseModel):
    """``benchmark.speed``: the lab's settings against the project's levers."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="speed")

    architectures: Distinct[Architecture] = Field(
        default_factory=lambda: ["mlp", "cnn_bn"], min_length=1
    )
    # Each measurement trains one untimed epoch (tracing, caches), then times
    # `timed_epochs`; all measurements are made `repeats` times, round-robin,
    # and each row keeps the median.
    timed_epochs: PositiveInt = 1
    repeats: PositiveInt = 3


class BenchmarkParams(BaseModel):
    """``benchmark``: the grid of timed training runs."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="benchmark")

    architecture: Architecture = "mlp"
    batch_sizes: Distinct[PositiveInt] = Field(
        default_factory=lambda: [32, 64, 128, 256, 512], min_length=1
    )
    use_multiprocessing: Distinct[bool] = Field(
        default_factory=lambda: [True, False], min_length=1
    )
    include_arrays: bool = True
    workers: PositiveInt = 3
    # How worker processes start; None = the platform's default.
    start_method: Literal["fork", "spawn", "forkserver"] | None = None
    max_queue_size: PositiveInt = 10
    epochs: PositiveInt = 1
    repeats: PositiveInt = 3
    warmup_steps: PositiveInt = 20
    speed: SpeedParams = Field(default_factory=SpeedParams)

    @field_validator("start_method")
    @classmethod
    def _available_here(cls, method: str | None) -> str | None:
        available = multiprocessing.get_all_start_methods()
        if method is not None and method not in available:
            raise ValueError(
                f"{method!r} is not available on this platform, only {available}"
            )
        return method
