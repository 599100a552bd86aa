"""The ``modeling`` pipeline: build, train, evaluate and check the classifier."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
