"""prepare_image: any photo in, a Fashion-MNIST-like 28 x 28 image out."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from fashion_mnist_classifier import prepare_image


def _shirt(width: int = 40, height: int = 20) -> np.ndarray:
    """A light rectangle on black, like a (very plain) Fashion-MNIST object."""
    pixels = np.zeros((60, 80), dtype=np.uint8)
    pixels[20 : 20 + height, 20 : 20 + width] = 200
    return pixels


def _bbox(array: np.ndarray) -> tuple[int, int, int, int]:
    rows = np.flatnonzero((array > 0.5).any(axis=1))
    columns = np.flatnonzero((array > 0.5).any(axis=0))
    return rows[0], rows[-1], columns[0], columns[-1]


def test_output_is_28_by_28_float32_in_unit_range():
    prepared, found = prepare_image(Image.fromarray(_shirt()))
    assert found
    assert prepared.shape == (28, 28)
    assert prepared.dtype == np.float32
    assert prepared.min() == 0.0 and prepared.max() == pytest.approx(1.0, abs=0.02)


def test_object_is_trimmed_fitted_keeping_aspect_and_centred():
    prepared, _ = prepare_image(Image.fromarray(_shirt(width=40, height=20)))
    top, bottom, left, right = _bbox(prepared)
    assert (left, right) == (0, 27)  # the longer side fills the frame
    assert bottom - top + 1 == pytest.approx(14, abs=1)  # 2:1 kept
    assert top + bottom == pytest.approx(27, abs=1)  # centred vertically
    assert prepared[:3].max() == 0.0 and prepared[-3:].max() == 0.0  # black background


def test_dark_object_on_light_background_is_inverted():
    light_on_dark, _ = prepare_image(Image.fromarray(_shirt()))
    dark_on_light, _ = prepare_image(Image.fromarray(255 - _shirt()))
    np.testing.assert_allclose(dark_on_light, light_on_dark, atol=0.02)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "I;16", "CMYK"])
def test_any_image_mode_is_accepted(mode):
    image = Image.fromarray(255 - _shirt()).convert("RGB")
    if mode == "I;16":
        image = Image.fromarray((255 - _shirt()).astype(np.uint16) * 257)
    else:
        image = image.convert(mode)
    prepared, found = prepare_image(image)
    assert found and prepared.shape == (28, 28)
    assert prepared[14].max() > 0.5  # the object is there, light on dark


def test_transparent_background_counts_as_background():
    rgba = np.zeros((60, 80, 4), dtype=np.uint8)
    rgba[20:40, 20:60] = (30, 30, 120, 255)  # an opaque dark-blue object
    prepared, _ = prepare_image(Image.fromarray(rgba, mode="RGBA"))
    assert prepared[14].max() > 0.5
    assert prepared[0].max() == 0.0


@pytest.mark.parametrize(
    "pixels",
    [
        np.full((2000, 2000), 255, dtype=np.uint8),  # a white page
        np.zeros((50, 30), dtype=np.uint8),  # a black one
        np.random.default_rng(0).integers(120, 127, (300, 200)).astype(np.uint8),
        np.pad(np.full((2, 2), 0, np.uint8), 200, constant_values=255),  # a speck
    ],
    ids=["white", "black", "near-uniform", "speck"],
)
def test_no_object_is_reported_not_guessed(pixels):
    prepared, found = prepare_image(Image.fromarray(pixels))
    assert not found
    assert prepared.shape == (28, 28) and prepared.max() == 0.0


def _product_photo(image: np.ndarray, scale: int, margins: tuple[int, int, int, int]):
    """A shop's photo of a Fashion-MNIST image, made here with Pillow alone: the
    object dark blue on white, enlarged, with uneven white margins, as JPEG."""
    grey = Image.fromarray(image).resize(
        (28 * scale, 28 * scale), Image.Resampling.BILINEAR
    )
    coloured = ImageOps.colorize(ImageOps.invert(grey), black="#14285a", white="white")
    photo = ImageOps.expand(coloured, border=margins, fill="white")
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=90)
    buffer.seek(0)
    return Image.open(buffer)


def test_product_photos_of_real_test_images_come_back_close(real_raw_data):
    from fashion_mnist.datasets import IDXDataset  # noqa: PLC0415

    images = IDXDataset(
        filepath=str(real_raw_data / "t10k-images-idx3-ubyte.gz")
    ).load()
    rng = np.random.default_rng(0)
    errors = []
    for index in rng.choice(len(images), 20, replace=False):
        margins = tuple(int(m) for m in rng.integers(5, 120, size=4))
        prepared, found = prepare_image(
            _product_photo(images[index], int(rng.integers(4, 10)), margins)
        )
        assert found
        errors.append(np.abs(prepared - images[index] / 255.0).mean())
    assert np.median(errors) < 0.05, errors
