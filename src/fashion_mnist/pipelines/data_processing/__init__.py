"""The ``data_processing`` pipeline: load, check and scale Fashion-MNIST."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
