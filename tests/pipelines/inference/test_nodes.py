"""Nodes of the inference pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from fashion_mnist.pipelines.inference.nodes import (
    NewImageError,
    plot_new_image_predictions,
    prepare_new_images,
    tabulate_predictions,
)

CLASSES = [f"class {i}" for i in range(10)]


def _image() -> Image.Image:
    pixels = np.full((40, 30), 255, dtype=np.uint8)
    pixels[10:30, 5:25] = 0
    return Image.fromarray(pixels)


def _broken():
    raise OSError("cannot identify image file")


def test_images_are_prepared_in_name_order_and_hidden_files_skipped():
    partitions = {
        "b.png": _image,
        "a.jpg": _image,
        ".gitkeep": _broken,
        "sub/.DS_Store": _broken,
    }
    images, names = prepare_new_images(partitions)
    assert names == ["a.jpg", "b.png"]
    assert images.shape == (2, 28, 28) and images.dtype == np.float32


def test_a_file_that_is_not_an_image_is_named():
    with pytest.raises(NewImageError) as info:
        prepare_new_images({"a.png": _image, "notes.txt": _broken})
    message = str(info.value)
    assert "data/01_raw/new_images/notes.txt is not an image" in message
    assert "Nothing was written" in message


def test_an_empty_folder_says_what_to_do():
    with pytest.raises(
        NewImageError, match="No images in data/01_raw/new_images/.*make_sample_images"
    ):
        prepare_new_images({".gitkeep": _broken})


def test_table_has_prediction_and_top_three():
    probabilities = np.zeros((2, 10), dtype=np.float32)
    probabilities[0, [3, 1, 7]] = [0.7, 0.2, 0.1]
    probabilities[1, [9, 0, 5]] = [0.5, 0.3, 0.2]
    table, same = tabulate_predictions(["x.png", "y.jpg"], probabilities, CLASSES)
    assert same is table
    assert list(table.columns) == [
        "file",
        "predicted_class",
        "probability",
        "top1_class",
        "top1_probability",
        "top2_class",
        "top2_probability",
        "top3_class",
        "top3_probability",
    ]
    assert table.loc[0, "predicted_class"] == "class 3"
    assert table.loc[0, "probability"] == pytest.approx(0.7)
    assert list(table.loc[1, ["top1_class", "top2_class", "top3_class"]]) == [
        "class 9",
        "class 0",
        "class 5",
    ]


def test_figure_titles_are_file_names_with_predictions():
    probabilities = np.eye(10, dtype=np.float32)[[2, 4]]
    images = np.zeros((2, 28, 28), dtype=np.float32)
    figure = plot_new_image_predictions(
        images, ["short.png", "a-very-long-file-name.jpeg"], probabilities, CLASSES
    )
    axes = [axis for axis in figure.axes if axis.get_images()]
    assert [axis.get_title() for axis in axes] == [
        "short.png",
        "a-very-long-file-\u2026",
    ]
    assert [axis.get_xlabel() for axis in axes] == [
        "pred: class 2 (100%)",
        "pred: class 4 (100%)",
    ]
