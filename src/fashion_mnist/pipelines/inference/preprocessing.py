"""Make a photo look like a Fashion-MNIST image.

Fashion-MNIST images are 28 x 28 grey levels of a light object on a black
background, the object trimmed and scaled so that its longer side fills the
frame. Product photos are usually the opposite (a dark object on a white
background), of any size and in colour; this module bridges the two with Pillow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

SIZE = 28
BORDER = 0.05  # the outer 5 % of each side is taken as background
OBJECT_LEVEL = 0.1  # pixels brighter than 10 % above the background are the object
# Fewer object pixels than this fraction of the image: nothing to classify (a
# blank or near-uniform picture, a speck of dust on a white page).
MIN_OBJECT_FRACTION = 0.002


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
    """8-bit grey levels; transparent areas become white, EXIF rotation is applied."""
    image = ImageOps.exif_transpose(image)
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
    """Turn any Pillow image into a 28 x 28 float32 array in [0, 1], Fashion-MNIST style.

    Grayscale; inverted when the border is lighter than mid-grey (a light
    background); background level subtracted; trimmed to the object (pixels at
    least ``OBJECT_LEVEL`` above the background); contrast stretched; scaled to
    fit 28 x 28 keeping the aspect ratio; centred.

    Returns:
        The array, and whether an object was found at all: a blank or
        near-uniform image gives an all-black array and ``False``.
    """
    pixels = np.asarray(to_grayscale(image), dtype=np.float32)
    if np.median(_border(pixels)) > 127:
        pixels = 255.0 - pixels
    pixels = np.clip(pixels - np.median(_border(pixels)), 0, None)
    mask = pixels > 255 * OBJECT_LEVEL
    if mask.mean() < MIN_OBJECT_FRACTION:
        return np.zeros((SIZE, SIZE), dtype=np.float32), False
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    pixels = pixels[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    pixels *= 255.0 / pixels.max()
    trimmed = Image.fromarray(pixels.astype(np.uint8))
    fitted = ImageOps.pad(
        trimmed, (SIZE, SIZE), method=Image.Resampling.LANCZOS, color=0
    )
    return np.asarray(fitted, dtype=np.float32) / 255.0, True
