"""Parameters of the data_processing pipeline, validated before anything runs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveInt


class DataProcessingParams(BaseModel):
    """``data_processing``: how much of the data to use, and the preview."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="data_processing")

    sample_limit: PositiveInt | None = None
    preview_count: int = Field(15, ge=1, le=100)
