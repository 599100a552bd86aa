"""The classifier as an MLflow model that takes what a user has: pictures.

``ImageClassifier`` is the ``inference`` pipeline packaged as one MLflow model
(the ``python_function`` flavour): it takes images as encoded files (PNG, JPEG,
any format Pillow reads; base64 strings in JSON) or as 8-bit pixel arrays of any
size, grey or colour, prepares them as the pipeline does and answers, per image,
the predicted class, its probability, the top three and whether an object was
found. ``modeling`` records it with each run (``MlflowImageClassifierDataset``)
and registers it; ``mlflow models serve`` serves it over HTTP.

The input is a table with one column, ``image``; one row per picture::

    {"dataframe_split": {"columns": ["image"], "data": [["<base64 of a PNG>"]]}}

In Python, ``model.predict(pd.DataFrame({"image": [png_bytes, pixel_array]}))``.
A request that cannot be answered (no ``image`` column, no images, too many,
something that is not a picture, a damaged or enormous one) fails with
``MlflowException`` (HTTP 400) naming the problem and the image.

Why not kedro-mlflow's ``pipeline_ml_factory``: its ``KedroPipelineModel``
deep-copies the catalog, which holds the Keras model, at every ``predict``
(Keras copies a model by saving and loading it: about a second), and runs the
nodes through a ``SequentialRunner`` (tens of milliseconds a call); a served
image has to be answered in a few milliseconds. This model calls the same
functions the pipeline's nodes call, in the same order, so both give the same
answer for the same picture.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel
from mlflow.types.schema import AnyType, ColSpec, Schema
from PIL import Image

from fashion_mnist.inference import (
    TOP_K,
    ImageError,
    Predictor,
    checked_image,
    image_from_pixels,
    in_parallel,
    open_image,
    prediction_table,
    prepare_images,
)

logger = logging.getLogger(__name__)

INPUT_COLUMN = "image"
ARTIFACT = "classifier"  # the Keras file, among the MLflow model's artifacts
MAX_IMAGES = 1000  # per request

SIGNATURE = ModelSignature(
    # Any type: encoded bytes, base64 text or nested lists of pixels.
    inputs=Schema([ColSpec(AnyType(), INPUT_COLUMN)]),
    outputs=Schema(
        [
            ColSpec("boolean", "object_found"),
            ColSpec("string", "predicted_class", required=False),
            ColSpec("double", "probability", required=False),
        ]
        + [
            ColSpec(kind, f"top{rank}_{what}", required=False)
            for rank in range(1, TOP_K + 1)
            for what, kind in (("class", "string"), ("probability", "double"))
        ]
    ),
)


class RequestError(ValueError):
    """Raised for a request that holds no pictures to classify, or bad ones."""


@dataclass(frozen=True)
class ClassifierPackage:
    """A trained classifier with what the registry records about it."""

    model: keras.Model
    test_accuracy: float
    architecture: str


def _cells(model_input: Any) -> list[Any]:
    """The pictures of a request, one cell each, as they came."""
    if isinstance(model_input, dict):
        model_input = pd.DataFrame(model_input)
    if isinstance(model_input, pd.DataFrame):
        columns = [str(column) for column in model_input.columns]
        if columns != [INPUT_COLUMN]:
            found = ", ".join(repr(column) for column in columns) or "none"
            raise RequestError(
                f"expected one column named {INPUT_COLUMN!r} (one picture per row), "
                f"found columns: {found}"
            )
        return list(model_input[INPUT_COLUMN])
    if isinstance(model_input, list | tuple):
        return list(model_input)
    raise RequestError(
        f"expected a table with an {INPUT_COLUMN!r} column, found "
        f"{type(model_input).__name__}"
    )


def _picture(cell: Any) -> Image.Image:
    """One cell of a request as a picture: encoded bytes, their base64 text,
    pixel values (nested lists or an array) or a Pillow image."""
    if isinstance(cell, Image.Image):
        return checked_image(cell)
    if isinstance(cell, bytes | bytearray | memoryview):
        return open_image(bytes(cell))
    if isinstance(cell, str):
        try:
            data = base64.b64decode(cell, validate=True)
        except (binascii.Error, ValueError):
            raise ImageError(
                "text that is not base64: send an encoded image file (PNG or "
                "JPEG) as a base64 string"
            ) from None
        return open_image(data)
    if isinstance(cell, list | tuple | np.ndarray):
        return image_from_pixels(cell)
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        raise ImageError("no image (the cell is empty)")
    raise ImageError(
        f"a {type(cell).__name__}; expected an encoded image (base64 text in JSON) "
        "or an array of 8-bit pixels"
    )


def pictures_from_request(model_input: Any) -> list[Image.Image]:
    """Every picture of a request, checked and decoded.

    Raises:
        RequestError: Naming the first thing wrong, and which image.
    """
    cells = _cells(model_input)
    if not cells:
        raise RequestError(
            f"the request holds no images: send at least one {INPUT_COLUMN!r}"
        )
    if len(cells) > MAX_IMAGES:
        raise RequestError(
            f"the request holds {len(cells):,} images; at most {MAX_IMAGES:,} are "
            "accepted at once: split it"
        )

    def picture(numbered: tuple[int, Any]) -> Image.Image:
        number, cell = numbered
        try:
            return _picture(cell)
        except ImageError as exc:
            where = f"image {number}" if len(cells) > 1 else "the image"
            raise RequestError(f"{where} (counting from 0): {exc}") from None

    return in_parallel(picture, list(enumerate(cells)))


def json_ready(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with missing values as None: JSON has no NaN (MLflow would
    write ``NaN``, which browsers' JSON parsers reject)."""
    return table.astype(object).where(table.notna(), None)


class ImageClassifier(PythonModel):
    """The ``inference`` pipeline as an MLflow model (see the module's doc)."""

    def load_context(self, context: Any) -> None:
        model = keras.saving.load_model(context.artifacts[ARTIFACT], safe_mode=True)
        self._predictor = Predictor(model)

    def predict(self, context: Any, model_input, params=None) -> pd.DataFrame:  # noqa: ANN001 (MLflow reads type hints as a schema)
        try:
            pictures = pictures_from_request(model_input)
        except RequestError as exc:
            raise MlflowException.invalid_parameter_value(str(exc)) from None
        images, found = prepare_images(pictures)
        return json_ready(prediction_table(self._predictor(images), found))

    def __getstate__(self) -> dict[str, Any]:
        # The Keras model travels as an artifact (a .keras file), not pickled.
        return {
            key: value for key, value in self.__dict__.items() if key != "_predictor"
        }


def champion_should_move(new_accuracy: float, champion_accuracy: float | None) -> bool:
    """Whether a new version becomes the champion: when there is none yet, or
    its test accuracy is at least the champion's."""
    return champion_accuracy is None or new_accuracy >= champion_accuracy
