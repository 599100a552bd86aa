"""Nodes of the data_processing pipeline on small arrays."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from fashion_mnist.pipelines.data_processing.nodes import (
    check_split,
    describe_model_input,
    plot_dataset_preview,
    scale_images,
)
from fashion_mnist.pipelines.data_processing.params import DataProcessingParams
from fashion_mnist_classifier.data_spec import CLASS_NAMES

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
LABELS = (np.arange(12) % 10).astype(np.uint8)
ALL = DataProcessingParams()


def test_check_split_passes_good_arrays_through():
    images, labels = check_split(IMAGES, LABELS, ALL, split="train")
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)


def test_sample_limit_keeps_the_first_n_of_the_split():
    images, labels = check_split(
        IMAGES, LABELS, DataProcessingParams(sample_limit=5), split="train"
    )
    np.testing.assert_array_equal(images, IMAGES[:5])
    np.testing.assert_array_equal(labels, LABELS[:5])


@pytest.mark.parametrize(
    ("images", "expected"),
    [
        (IMAGES.astype(np.float32), "found shape (12, 28, 28) of float32"),
        (IMAGES.reshape(12, 784), "found shape (12, 784) of uint8"),
        (IMAGES[:, :27, :27], "found shape (12, 27, 27) of uint8"),
    ],
    ids=["float", "flat", "27x27"],
)
def test_images_must_be_n_by_28_by_28_uint8(images, expected):
    with pytest.raises(
        ValueError, match="train images: expected an N x 28 x 28 uint8"
    ) as info:
        check_split(images, LABELS, ALL, split="train")
    assert expected in str(info.value)


def test_labels_out_of_range_are_rejected():
    labels = LABELS.copy()
    labels[3] = 10
    with pytest.raises(ValueError) as info:
        check_split(IMAGES, labels, ALL, split="test")
    assert "test labels: expected values 0-9" in str(info.value)
    assert "found 1 outside that range, e.g. 10 at index 3" in str(info.value)


def test_label_and_image_counts_must_agree():
    with pytest.raises(ValueError, match="found 12 images and 11 labels"):
        check_split(IMAGES, LABELS[:11], ALL, split="train")


def test_labels_must_be_integers():
    with pytest.raises(ValueError, match="1-D integer array"):
        check_split(IMAGES, LABELS.astype(float), ALL, split="train")


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"sample_limit": 0}, "sample_limit"),
        ({"sample_limit": -5}, "sample_limit"),
        ({"preview_count": 0}, "preview_count"),
        ({"class_names": ["a"]}, "class_names"),
    ],
)
def test_bad_parameters_are_rejected_by_key(values, key):
    with pytest.raises(ValidationError) as info:
        DataProcessingParams.model_validate(values)
    assert key in str(info.value)


def test_scale_images_gives_float32_in_unit_range():
    pixels = np.array([[[0, 1, 128, 255]]], dtype=np.uint8)
    scaled = scale_images(pixels)
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, [[[0.0, 1 / 255, 128 / 255, 1.0]]], rtol=1e-6)


def test_manifest_records_what_the_arrays_were_made_with():
    manifest = describe_model_input(
        LABELS[:7], LABELS[:3], DataProcessingParams(sample_limit=7)
    )
    assert manifest == {
        "parameters": {"data_processing.sample_limit": 7},
        "train_samples": 7,
        "test_samples": 3,
    }


def test_preview_draws_the_labs_grid():
    figure = plot_dataset_preview(
        IMAGES, LABELS, DataProcessingParams(preview_count=12)
    )
    axes = [axis for axis in figure.axes if axis.get_images()]
    assert len(axes) == 12
    assert [axis.get_title() for axis in axes] == [
        f"lbl: {CLASS_NAMES[i % 10]}" for i in range(12)
    ]
    # At most five columns: 12 images make 3 rows of 5, the last row partly empty.
    assert len(figure.axes) == 15
    assert tuple(figure.get_size_inches()) == (5 + 3, 3 + 4)
    for index, axis in enumerate(axes):
        assert list(axis.get_xticks()) == [] and list(axis.get_yticks()) == []
        image = axis.get_images()[0]
        assert image.get_cmap().name == "binary"
        np.testing.assert_array_equal(image.get_array(), IMAGES[index])
