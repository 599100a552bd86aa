"""Make a photo look like a Fashion-MNIST image.

Fashion-MNIST images are 28 x 28 grey levels of a light object on a black
background, the object trimmed and scaled so that its longer side fills the
frame. Product photos are usually the opposite (a dark object on a white
background), of any size and in colour; this module bridges the two with Pillow.

The same code serves the ``inference`` pipeline (image files in a folder), the
demo page and the recorded MLflow model (encoded bytes or pixel arrays in a request), so both
give the same answer for the same picture. Bad input raises ``ImageError`` with
a message that says what is wrong.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .data_spec import IMAGE_SHAPE

BORDER = 0.05  # the outer 5 % of each side is taken as background
OBJECT_LEVEL = 0.1  # pixels brighter than 10 % above the background are the object
# Fewer object pixels than this fraction of the image: nothing to classify (a
# blank or near-uniform picture, a speck of dust on a white page).
MIN_OBJECT_FRACTION = 0.002
T = TypeVar("T")
U = TypeVar("U")

# Larger pictures are refused: 40 megapixels is more than a phone photo or a
# product shot has, and decoding it takes ~160 MB; beyond that it is a scan at
# an absurd resolution or a "decompression bomb" (a small file that decodes to
# gigabytes).
MAX_PIXELS = 40_000_000
# Larger pictures are first shrunk so that their longer side is this long: the
# result is 28 x 28 anyway, and the steps below then take milliseconds.
WORKING_SIDE = 1024


class ImageError(ValueError):
    """Raised for input that cannot be made into a picture to classify."""


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"the image is {width} x {height} pixels ({width * height / 1e6:.0f} "
            f"megapixels); at most {MAX_PIXELS / 1e6:.0f} megapixels are accepted: "
            "send a smaller copy"
        )


def checked_image(image: Image.Image) -> Image.Image:
    """``image`` itself, when it is not larger than ``MAX_PIXELS``."""
    _check_size(*image.size)
    return image


def open_image(data: bytes) -> Image.Image:
    """Decode an encoded picture (PNG, JPEG, or any format Pillow reads), fully.

    Raises:
        ImageError: For empty or unreadable bytes, a damaged or truncated file,
            or a picture larger than ``MAX_PIXELS``.
    """
    if not data:
        raise ImageError("the image is empty (0 bytes)")
    try:
        with warnings.catch_warnings():  # the size is checked below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageError(
            f"the image is too large ({exc}); at most "
            f"{MAX_PIXELS / 1e6:.0f} megapixels are accepted"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ImageError(
            f"{len(data):,} bytes that are not an image Pillow can read "
            f"(PNG or JPEG expected; they start with {data[:8]!r})"
        ) from None
    _check_size(*image.size)
    try:
        image.load()  # decodes now: a truncated file fails here, not later
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(
            f"a damaged or truncated {image.format} image ({exc})"
        ) from None
    return image


def image_from_pixels(pixels: np.ndarray | Sequence) -> Image.Image:
    """A picture from an array of 8-bit pixels: height x width (grey), or
    height x width x 1, 3 (RGB) or 4 (RGBA), of any size.

    Raises:
        ImageError: For another shape, values that are not whole numbers
            0-255, or a picture larger than ``MAX_PIXELS``.
    """
    try:
        array = np.asarray(pixels)
    except ValueError:  # rows of different lengths
        raise ImageError(
            "the pixel rows have different lengths; expected a height x width "
            "(x channels) array"
        ) from None
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ImageError(
            f"pixels of shape {array.shape}; expected height x width (grey) or "
            "height x width x 3 (RGB) or x 4 (RGBA)"
        )
    if min(array.shape[:2]) == 0:
        raise ImageError(f"pixels of shape {array.shape}: the image is empty")
    _check_size(array.shape[1], array.shape[0])
    if array.dtype != np.uint8:
        whole = np.issubdtype(array.dtype, np.integer) or (
            np.issubdtype(array.dtype, np.floating)
            and np.array_equal(array, np.round(array))
        )
        if not whole or array.min() < 0 or array.max() > 255:
            raise ImageError(
                f"pixel values of type {array.dtype} from {array.min()} to "
                f"{array.max()}; expected whole numbers from 0 to 255 (8-bit)"
            )
        array = array.astype(np.uint8)
    return Image.fromarray(array)


def _border(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape
    band_y, band_x = max(1, round(height * BORDER)), max(1, round(width * BORDER))
    return np.concatenate(
        [
            pixels[:band_y].ravel(),
            pixels[-band_y:].ravel(),
            pixels[:, :band_x].ravel(),
            pixels[:, -band_x:].ravel(),
        ]
    )


def to_grayscale(image: Image.Image) -> Image.Image:
    """8-bit grey levels; transparent areas become white, EXIF rotation is
    applied, and a picture larger than ``WORKING_SIDE`` is shrunk to it."""
    grey = _grey_levels(ImageOps.exif_transpose(image))
    if max(grey.size) > WORKING_SIDE:
        grey = ImageOps.contain(
            grey, (WORKING_SIDE, WORKING_SIDE), method=Image.Resampling.BOX
        )
    return grey


def _grey_levels(image: Image.Image) -> Image.Image:
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        pixels = np.asarray(image, dtype=np.float64)
        span = pixels.max() - pixels.min()
        scaled = (pixels - pixels.min()) / span * 255 if span else np.zeros_like(pixels)
        return Image.fromarray(scaled.astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("L")


def prepare_image(image: Image.Image) -> tuple[np.ndarray, bool]:
    """Turn any Pillow image into a 28 x 28 float32 array in [0, 1] (``IMAGE_SHAPE``),
    Fashion-MNIST style.

    Grayscale; inverted when the border is lighter than mid-grey (a light
    background); background level subtracted; trimmed to the object (pixels at
    least ``OBJECT_LEVEL`` above the background); contrast stretched; scaled to
    fit 28 x 28 keeping the aspect ratio; centred.

    Returns:
        The array, and whether an object was found at all: a blank or
        near-uniform image gives an all-black array and ``False``.
    """
    pixels = np.asarray(to_grayscale(image), dtype=np.float32)
    background = float(np.median(_border(pixels)))
    if background > 127:
        # (The median of the inverted border is 255 minus the median.)
        pixels, background = 255.0 - pixels, 255.0 - background
    pixels = np.clip(pixels - background, 0, None)
    mask = pixels > 255 * OBJECT_LEVEL
    if mask.mean() < MIN_OBJECT_FRACTION:
        return np.zeros(IMAGE_SHAPE, dtype=np.float32), False
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    pixels = pixels[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    pixels *= 255.0 / pixels.max()
    trimmed = Image.fromarray(pixels.astype(np.uint8))
    height, width = IMAGE_SHAPE
    fitted = ImageOps.pad(
        trimmed, (width, height), method=Image.Resampling.LANCZOS, color=0
    )
    return np.asarray(fitted, dtype=np.float32) / 255.0, True


def in_parallel(function: Callable[[T], U], items: Sequence[T]) -> list[U]:
    """``[function(item) for item in items]`` on a thread per core: Pillow and
    NumPy release Python's lock while they decode and compute, so pictures are
    prepared side by side. The results keep the items' order; the first item
    that fails raises its error."""
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(min(len(items), os.cpu_count() or 1)) as pool:
        return list(pool.map(function, items))


def prepare_images(images: Sequence[Image.Image]) -> tuple[np.ndarray, list[bool]]:
    """``prepare_image`` for each picture: an N x 28 x 28 float32 array, and
    whether an object was found in each."""
    prepared = in_parallel(prepare_image, images)
    pixels = [array for array, _ in prepared]
    stacked = np.stack(pixels) if pixels else np.zeros((0, *IMAGE_SHAPE), np.float32)
    return stacked, [found for _, found in prepared]
