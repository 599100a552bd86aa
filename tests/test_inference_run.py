"""Real runs of the inference pipeline: once through the CLI as a user runs it,
the failure cases in-process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kedro.framework.session import KedroSession

from fashion_mnist.hooks import MissingInputError
from fashion_mnist.networks import build_classifier
from fashion_mnist.pipelines.inference.nodes import NewImageError
from fashion_mnist.samples import write_sample_photos


def _new_images(project):
    return project / "data" / "01_raw" / "new_images"


def _make_samples(project, count: int = 20) -> pd.DataFrame:
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        images, labels = (
            catalog.load("raw_test_images"),
            catalog.load("raw_test_labels"),
        )
    labels_file = write_sample_photos(images, labels, _new_images(project), count)
    return pd.read_csv(labels_file)


def _save_untrained_model(project) -> None:
    with KedroSession.create(project_path=project) as session:
        session.load_context().catalog.save(
            "classifier", build_classifier("mlp", seed=0)
        )


def _run_inference(project):
    with KedroSession.create(project_path=project) as session:
        session.run(pipeline_names=["inference"])


def test_files_that_are_not_images_stop_the_run_and_nothing_is_written(project):
    _save_untrained_model(project)
    _make_samples(project, count=3)
    (_new_images(project) / "notes.txt").write_text("not a picture")
    (_new_images(project) / "scan.pdf").write_bytes(b"%PDF-1.4")

    with pytest.raises(NewImageError) as info:
        _run_inference(project)

    message = str(info.value)
    assert "2 file(s) in data/01_raw/new_images/ are not images" in message
    assert "notes.txt" in message and "scan.pdf" in message
    assert list((project / "data" / "07_model_output").iterdir()) == []


def test_without_model_or_images_the_run_says_what_to_do(project):
    with pytest.raises(MissingInputError) as info:
        _run_inference(project)
    message = str(info.value)
    assert "This run needs inputs that do not exist yet" in message
    assert "kedro run --pipelines modeling" in message
    assert "scripts/make_sample_images.py" in message


def test_with_a_model_but_an_empty_folder_the_run_says_what_to_do(project):
    _save_untrained_model(project)
    _new_images(project).mkdir()
    with pytest.raises((MissingInputError, NewImageError)) as info:
        _run_inference(project)
    assert "no images in data/01_raw/new_images/" in str(info.value).lower()


def _certain_of(class_index: int):
    """An mlp that answers ``class_index`` for any image."""
    model = build_classifier("mlp", seed=0)
    output = model.layers[-1]
    kernel, bias = output.get_weights()
    bias[:] = 0
    bias[class_index] = 20.0
    output.set_weights([np.zeros_like(kernel), bias])
    return model


def test_the_latest_of_several_saved_models_is_used(project):
    for class_index in (1, 8):  # Trouser, then Bag: two runs, two versions
        with KedroSession.create(project_path=project) as session:
            session.load_context().catalog.save("classifier", _certain_of(class_index))
    versions = sorted((project / "data/06_models/classifier.keras").iterdir())
    assert len(versions) == 2
    _make_samples(project, count=4)
    _run_inference(project)
    table = pd.read_csv(project / "data/07_model_output/new_image_predictions.csv")
    assert list(table["predicted_class"]) == ["Bag"] * 4
