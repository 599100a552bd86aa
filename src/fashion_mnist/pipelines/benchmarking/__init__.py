"""The ``benchmarking`` pipeline: the lab's Task 2, a timing study of batch_size
and multiprocessing."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
