"""The ``inference`` pipeline: the saved classifier on new images."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
