"""The ``cross_validation`` pipeline: k-fold estimates and paired comparisons."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
