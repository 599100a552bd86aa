"""One real Kedro run of data_processing on the real Fashion-MNIST files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from kedro.framework.session import KedroSession
from PIL import Image

from fashion_mnist.hooks import StaleInputError


def test_data_processing_on_real_data(project):
    with KedroSession.create(project_path=project) as session:
        session.run(pipeline_names=["data_processing"])
        catalog = session.load_context().catalog

    train_images = catalog.load("train_images")
    train_labels = catalog.load("train_labels")
    test_images = catalog.load("test_images")
    test_labels = catalog.load("test_labels")
    assert train_images.shape == (60_000, 28, 28)
    assert test_images.shape == (10_000, 28, 28)
    assert train_images.dtype == np.float32 and test_images.dtype == np.float32
    assert train_images.min() == 0.0 and train_images.max() == 1.0
    assert test_images.min() == 0.0 and test_images.max() == 1.0
    assert np.bincount(train_labels, minlength=10).tolist() == [6_000] * 10
    assert np.bincount(test_labels, minlength=10).tolist() == [1_000] * 10
    # The first training image of Fashion-MNIST is an ankle boot (label 9).
    assert train_labels[:3].tolist() == [9, 0, 0]

    preview = project / "data" / "08_reporting" / "dataset_preview.png"
    with Image.open(preview) as image:
        assert image.format == "PNG"
        assert image.size == (800, 700)  # (5 + 3) x (3 + 4) inches at 100 dpi


def test_sample_limit_from_runtime_params(project):
    with KedroSession.create(
        project_path=project, runtime_params={"data_processing": {"sample_limit": 100}}
    ) as session:
        session.run(pipeline_names=["data_processing"])
        catalog = session.load_context().catalog
    assert catalog.load("train_images").shape == (100, 28, 28)
    assert catalog.load("model_input_manifest")["parameters"] == {
        "data_processing.sample_limit": 100
    }
    assert catalog.load("test_labels").shape == (100,)


QUICK_MODEL = {
    "model": {"architecture": "mlp"},
    "training": {"epochs": 1},
    "accuracy_check": {"threshold": 0.0},
}


def _run(project, pipeline, runtime_params, **kwargs):
    with KedroSession.create(
        project_path=project, runtime_params=runtime_params
    ) as session:
        session.run(pipeline_names=[pipeline], **kwargs)


def test_saved_arrays_are_read_only_when_made_with_the_same_parameters(project):
    """A run that starts after data_processing (--from-nodes) reads the saved
    arrays; it stops if they were made with other parameters than it asks for."""
    _run(project, "data_processing", {"data_processing": {"sample_limit": 300}})
    pickle = project / "data" / "05_model_input" / "train_images.pkl"
    made = pickle.stat().st_mtime_ns
    after_processing = {"from_nodes": ["modeling.train_model"]}

    _run(
        project,
        "modeling",
        {"data_processing": {"sample_limit": 300}, **QUICK_MODEL},
        **after_processing,
    )
    metrics = json.loads(
        (project / "data" / "08_reporting" / "metrics.json").read_text()
    )
    assert metrics["training_samples"] == 300
    assert pickle.stat().st_mtime_ns == made  # read, not made again

    with pytest.raises(StaleInputError) as info:
        _run(project, "modeling", QUICK_MODEL, **after_processing)
    message = str(info.value)
    assert "train_images was made with data_processing.sample_limit=300" in message
    assert "this run asks for data_processing.sample_limit=None" in message


def test_only_missing_outputs_makes_the_arrays_again(project):
    """Kedro treats the in-memory hand-off as data to make, so this flag never
    trains on arrays saved by an earlier run with other parameters."""
    _run(project, "data_processing", {"data_processing": {"sample_limit": 300}})
    _run(
        project,
        "modeling",
        {"data_processing": {"sample_limit": 400}, **QUICK_MODEL},
        only_missing_outputs=True,
    )
    metrics = json.loads(
        (project / "data" / "08_reporting" / "metrics.json").read_text()
    )
    assert metrics["training_samples"] == 400
