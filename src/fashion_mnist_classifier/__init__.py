"""fashion_mnist_classifier: a trained Fashion-MNIST network as a classifier of
pictures, with nothing of the Kedro project in it.

It is what the registered MLflow model ``fashion_mnist_classifier`` carries as
its code, so it imports only NumPy, pandas, Pillow, Keras (TensorFlow) and
MLflow (``REQUIREMENTS``). The project's ``inference`` pipeline and demo page
use the same modules, so every way in answers the same for the same picture:

- ``data_spec``: what a Fashion-MNIST image and its classes are;
- ``preprocessing``: any picture made to look like a Fashion-MNIST image;
- ``predictor``: class probabilities, fast enough to serve;
- ``table``: the answer per picture;
- ``request``: the pictures of a request to the served model;
- ``model``: the MLflow model (``mlflow_model.py`` is the file MLflow runs).
"""

from .data_spec import CLASS_NAMES, IMAGE_SHAPE, NUM_CLASSES
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

# The distributions this package imports (their names on PyPI). The registered
# model pins each to the version it was trained and tested with.
REQUIREMENTS = ("mlflow", "keras", "tensorflow", "numpy", "pandas", "pillow")

__all__ = [
    "CLASS_NAMES",
    "IMAGE_SHAPE",
    "NUM_CLASSES",
    "PREDICTION_COLUMNS",
    "REQUIREMENTS",
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
