"""What a request to the served model holds: a table with one column,
``image``, one picture a row, each an encoded file (bytes, or base64 text in
JSON), 8-bit pixels (nested lists or an array) or a Pillow image.

MLflow's column form, ``{"inputs": {"image": ["<base64>", ...]}}``, holds the
same pictures in one list.

A request that cannot be answered (no ``image`` column, no images, too many,
something that is not a picture, a damaged or enormous one) raises
``RequestError`` naming the problem and, with several pictures, which one.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from .preprocessing import (
    ImageError,
    checked_image,
    image_from_pixels,
    in_parallel,
    open_image,
)

INPUT_COLUMN = "image"
MAX_IMAGES = 1000  # per request


class RequestError(ValueError):
    """Raised for a request that holds no pictures to classify, or bad ones."""


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
        return _unpacked(list(model_input[INPUT_COLUMN]))
    if isinstance(model_input, list | tuple):
        return _unpacked(list(model_input))
    raise RequestError(
        f"expected a table with an {INPUT_COLUMN!r} column, found "
        f"{type(model_input).__name__}"
    )


def _encoded(cell: Any) -> bool:
    return isinstance(cell, str | bytes | bytearray | memoryview)


def _unpacked(cells: list[Any]) -> list[Any]:
    """The cells with a list of encoded pictures in one cell taken apart.

    MLflow's column forms, ``{"inputs": {"image": ["<base64>", ...]}}`` and
    ``{"instances": [...]}``, reach the model as one row whose cell is the whole
    list. A list of texts or bytes cannot be one picture's pixels, so it is
    read as that many pictures.
    """
    if len(cells) == 1 and isinstance(cells[0], list | tuple | np.ndarray):
        inner = list(cells[0])
        if all(_encoded(item) for item in inner):  # also [] (no pictures)
            return inner
    return cells


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
