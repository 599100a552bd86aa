"""Classifying pictures: shared by the ``inference`` pipeline (files in a
folder) and the served model (``serving.py``: bytes or pixels in a request), so
both answer the same for the same picture. No Kedro here.

- ``preprocessing``: any picture made to look like a Fashion-MNIST image;
- ``predictor``: class probabilities, fast enough to serve;
- ``table``: the answer per picture.
"""

from .predictor import Predictor
from .preprocessing import (
    ImageError,
    checked_image,
    image_from_pixels,
    in_parallel,
    open_image,
    prepare_image,
    prepare_images,
)
from .table import PREDICTION_COLUMNS, TOP_K, prediction_table

__all__ = [
    "PREDICTION_COLUMNS",
    "TOP_K",
    "ImageError",
    "Predictor",
    "checked_image",
    "image_from_pixels",
    "in_parallel",
    "open_image",
    "prediction_table",
    "prepare_image",
    "prepare_images",
]
