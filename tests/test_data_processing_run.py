"""One real Kedro run of data_processing on the real Fashion-MNIST files."""

from __future__ import annotations

import numpy as np
from kedro.framework.session import KedroSession
from PIL import Image


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
    assert catalog.load("test_labels").shape == (100,)
