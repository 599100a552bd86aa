"""Nodes of the inference pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image

from fashion_mnist.pipelines.inference.nodes import (
    NewImageError,
    plot_new_image_predictions,
    prepare_new_images,
    tabulate_predictions,
)
from fashion_mnist.pipelines.inference.params import InferenceParams
from fashion_mnist_classifier.data_spec import CLASS_NAMES

FOLDER = InferenceParams(image_folder="data/01_raw/new_images")


def _image() -> Image.Image:
    pixels = np.full((40, 30), 255, dtype=np.uint8)
    pixels[10:30, 5:25] = 0
    return Image.fromarray(pixels)


def _blank() -> Image.Image:
    return Image.new("RGB", (600, 400), "white")


def _broken():
    raise OSError("cannot identify image file")


def test_images_are_prepared_in_name_order_and_system_files_skipped(caplog):
    partitions = {
        "b.png": _image,
        "a.jpg": _image,
        ".gitkeep": _broken,
        "sub/.DS_Store": _broken,
        "._a.jpg": _broken,  # macOS resource fork
        "Thumbs.db": _broken,
        "sub/desktop.ini": _broken,
    }
    with caplog.at_level(logging.INFO):
        images, names, found = prepare_new_images(partitions, FOLDER)
    assert names == ["a.jpg", "b.png"]
    assert found == [True, True]
    assert images.shape == (2, 28, 28) and images.dtype == np.float32
    assert "Skipped 5 system file(s)" in caplog.text
    assert "Thumbs.db" in caplog.text and "sub/desktop.ini" in caplog.text


def test_every_unreadable_file_is_named_in_one_error():
    with pytest.raises(NewImageError) as info:
        prepare_new_images(
            {"a.png": _image, "notes.txt": _broken, "z/scan.pdf": _broken}, FOLDER
        )
    message = str(info.value)
    assert "2 file(s) in data/01_raw/new_images/ are not images" in message
    assert "data/01_raw/new_images/notes.txt (OSError)" in message
    assert "data/01_raw/new_images/z/scan.pdf (OSError)" in message
    assert "Nothing was written" in message


def test_an_empty_folder_says_what_to_do():
    with pytest.raises(
        NewImageError, match="No images in data/01_raw/new_images/.*make_sample_images"
    ):
        prepare_new_images({".gitkeep": _broken, "Thumbs.db": _broken}, FOLDER)


def test_a_blank_picture_is_flagged_not_classified(caplog):
    with caplog.at_level(logging.WARNING):
        _, names, found = prepare_new_images(
            {"blank.png": _blank, "shirt.png": _image}, FOLDER
        )
    assert dict(zip(names, found, strict=True)) == {
        "blank.png": False,
        "shirt.png": True,
    }
    assert "blank.png: no object found" in caplog.text

    probabilities = np.full((2, 10), 0.02, dtype=np.float32)
    probabilities[:, 5] = 0.82  # what the network says about a blank page
    table, _ = tabulate_predictions(names, probabilities, found)
    blank = table.set_index("file").loc["blank.png"]
    assert not blank["object_found"]
    assert blank[["predicted_class", "probability", "top1_class"]].isna().all()
    assert table.set_index("file").loc["shirt.png", "predicted_class"] == "Sandal"

    figure = plot_new_image_predictions(
        np.zeros((2, 28, 28)), names, probabilities, found
    )
    labels = [axis.get_xlabel() for axis in figure.axes if axis.get_images()]
    assert labels == ["no object found", "pred: Sandal (82%)"]


def test_table_has_prediction_and_top_three():
    probabilities = np.zeros((2, 10), dtype=np.float32)
    probabilities[0, [3, 1, 7]] = [0.7, 0.2, 0.1]
    probabilities[1, [9, 0, 5]] = [0.5, 0.3, 0.2]
    table, same = tabulate_predictions(["x.png", "y.jpg"], probabilities, [True, True])
    assert same is table
    assert list(table.columns) == [
        "file",
        "object_found",
        "predicted_class",
        "probability",
        "top1_class",
        "top1_probability",
        "top2_class",
        "top2_probability",
        "top3_class",
        "top3_probability",
    ]
    assert table.loc[0, "predicted_class"] == CLASS_NAMES[3]
    assert table.loc[0, "probability"] == pytest.approx(0.7)
    assert list(table.loc[1, ["top1_class", "top2_class", "top3_class"]]) == [
        CLASS_NAMES[9],
        CLASS_NAMES[0],
        CLASS_NAMES[5],
    ]


def test_figure_titles_are_file_names_with_predictions():
    probabilities = np.eye(10, dtype=np.float32)[[2, 4]]
    images = np.random.default_rng(0).uniform(size=(2, 28, 28)).astype(np.float32)
    figure = plot_new_image_predictions(
        images, ["short.png", "a-very-long-file-name.jpeg"], probabilities, [True, True]
    )
    axes = [axis for axis in figure.axes if axis.get_images()]
    assert [axis.get_title() for axis in axes] == [
        "short.png",
        "a-very-long-file-\u2026",
    ]
    assert [axis.get_xlabel() for axis in axes] == [
        f"pred: {CLASS_NAMES[2]} (100%)",
        f"pred: {CLASS_NAMES[4]} (100%)",
    ]
    for axis, image in zip(axes, images, strict=True):
        np.testing.assert_array_equal(axis.get_images()[0].get_array(), image)
    assert figure.get_suptitle() == "New images as the model sees them (2)"
