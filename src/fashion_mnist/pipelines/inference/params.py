"""Parameters of the inference pipeline, validated before anything runs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class InferenceParams(BaseModel):
    """``inference``: where the pictures come from (for the run's messages)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="inference")

    image_folder: str  # from conf/base/globals.yml
