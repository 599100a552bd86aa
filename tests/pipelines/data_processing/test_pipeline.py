"""The data_processing pipeline through a SequentialRunner on an in-memory catalog."""

from __future__ import annotations

import numpy as np
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro_datasets.matplotlib import MatplotlibDataset
from kedro_datasets.pickle import PickleDataset
from PIL import Image

from fashion_mnist.pipelines.data_processing import create_pipeline
from fashion_mnist.pipelines.data_processing.params import DataProcessingParams


def test_pipeline_scales_both_splits_and_draws_a_preview(tmp_path):
    rng = np.random.default_rng(1)
    raw = {
        "raw_train_images": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        "raw_train_labels": (np.arange(30) % 10).astype(np.uint8),
        "raw_test_images": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "raw_test_labels": (np.arange(20) % 10).astype(np.uint8),
        "params:data_processing": DataProcessingParams(sample_limit=25),
    }
    outputs = ["train_images", "train_labels", "test_images", "test_labels"]
    catalog = DataCatalog(
        {name: MemoryDataset(value) for name, value in raw.items()}
        | {name: PickleDataset(filepath=str(tmp_path / name)) for name in outputs}
        | {"dataset_preview": MatplotlibDataset(filepath=str(tmp_path / "preview.png"))}
    )
    SequentialRunner().run(create_pipeline(), catalog)

    train, test = catalog.load("train_images"), catalog.load("test_images")
    assert train.shape == (25, 28, 28) and test.shape == (20, 28, 28)
    assert train.dtype == np.float32 and 0.0 <= train.min() and train.max() <= 1.0
    np.testing.assert_allclose(train * 255, raw["raw_train_images"][:25], atol=1e-4)
    np.testing.assert_array_equal(
        catalog.load("train_labels"), raw["raw_train_labels"][:25]
    )
    np.testing.assert_array_equal(catalog.load("test_labels"), raw["raw_test_labels"])
    assert catalog.load("model_input_manifest")["train_samples"] == 25
    with Image.open(tmp_path / "preview.png") as preview:
        assert preview.format == "PNG"
        assert preview.size == (800, 700)  # 15 images: (5 + 3) x (3 + 4) in at 100 dpi
