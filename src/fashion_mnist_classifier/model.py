"""The classifier as an MLflow model that takes what a user has: pictures.

``ImageClassifier`` is the ``inference`` pipeline packaged as one MLflow model
(the ``python_function`` flavour): it takes images as encoded files (PNG, JPEG,
any format Pillow reads; base64 strings in JSON) or as 8-bit pixel arrays of any
size, grey or colour, prepares them as the pipeline does and answers, per image,
the predicted class, its probability, the top three and whether an object was
found. The input is a table with one column, ``image``; one row per picture::

    {"dataframe_split": {"columns": ["image"], "data": [["<base64 of a PNG>"]]}}

In Python, ``model.predict(pd.DataFrame({"image": [png_bytes, pixel_array]}))``.
A request that cannot be answered fails with ``MlflowException`` (HTTP 400)
naming the problem and the image (``request.py``).

The model is recorded from code (``mlflow_model.py``) with this package as its
code path, so it loads wherever its own requirements are installed.

Why not kedro-mlflow's ``pipeline_ml_factory``: its ``KedroPipelineModel``
needs the Kedro project installed where it is served, deep-copies the catalog,
which holds the Keras model, at every ``predict`` (Keras copies a model by
saving and loading it) and runs the nodes through a ``SequentialRunner``; a
served image has to be answered in a few milliseconds. This model calls the
same functions the pipeline's nodes call, in the same order, so both give the
same answer for the same picture.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import keras
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel
from mlflow.types.schema import AnyType, ColSpec, Schema
from PIL import Image

from .predictor import Predictor
from .preprocessing import prepare_images
from .request import INPUT_COLUMN, RequestError, json_ready, pictures_from_request
from .table import ANSWER_COLUMNS, prediction_table

ARTIFACT = "classifier"  # the Keras file, among the MLflow model's artifacts

SIGNATURE = ModelSignature(
    # Any type: encoded bytes, base64 text or nested lists of pixels.
    inputs=Schema([ColSpec(AnyType(), INPUT_COLUMN)]),
    outputs=Schema(
        [
            ColSpec(kind, name, required=name == "object_found")
            for name, kind in ANSWER_COLUMNS.items()
        ]
    ),
)


class Classified(NamedTuple):
    """The answer for some pictures, and what the network was given."""

    table: pd.DataFrame  # one row per picture (``table.prediction_table``)
    images: np.ndarray  # N x 28 x 28 float32 in [0, 1], as the network saw them
    probabilities: np.ndarray  # N x 10, unrounded


class ImageClassifier(PythonModel):
    """The ``inference`` pipeline as an MLflow model (see the module's doc)."""

    def load_context(self, context: Any) -> None:
        model = keras.saving.load_model(context.artifacts[ARTIFACT], safe_mode=True)
        self._predictor = Predictor(model)

    def classify(self, pictures: list[Image.Image]) -> Classified:
        """Prepare decoded pictures as the ``inference`` pipeline does and
        classify them (what ``predict`` answers, and the demo page shows)."""
        images, found = prepare_images(pictures)
        probabilities = self._predictor(images)
        return Classified(prediction_table(probabilities, found), images, probabilities)

    def predict(self, context: Any, model_input, params=None) -> pd.DataFrame:  # noqa: ANN001 (MLflow reads type hints as a schema)
        try:
            pictures = pictures_from_request(model_input)
        except RequestError as exc:
            raise MlflowException.invalid_parameter_value(str(exc)) from None
        return json_ready(self.classify(pictures).table)
