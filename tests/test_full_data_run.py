"""The one full-data training run: `kedro run` with the defaults on all 60,000
images, and the sample photos classified by the model it trained. Both tests
share the run (a session fixture), so they live in one module, which its
xdist_group keeps on one worker; the slow tests start first."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests.helpers import kedro_run
from tests.test_inference_run import _make_samples, _new_images
from tests.test_modeling_run import _saved_models

pytestmark = pytest.mark.xdist_group("full_data")


# The full default training takes 2 to 10 minutes alone, depending on the CPU,
# and longer beside the quick tier on the other worker.
@pytest.mark.slow
@pytest.mark.timeout(2700)
def test_default_run_on_full_data_reaches_the_target_test_accuracy(trained_project):
    """`kedro run` with the defaults: data_processing then modeling, all images."""
    reports = trained_project / "data" / "08_reporting"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["architecture"] == "cnn_bn"
    assert (metrics["epochs"], metrics["batch_size"]) == (8, 128)
    assert metrics["training_samples"] == 60_000 and metrics["test_samples"] == 10_000
    # The seeds and CPU kinds measured so far are in docs/modeling.md (Results);
    # the threshold leaves about a point below the lowest of them for a CPU kind
    # not yet measured (the numerics of two kinds have moved one seed's score by
    # 0.4 points), so only a real loss of accuracy fails here.
    assert metrics["test_accuracy"] >= 0.930
    assert len(metrics["per_class"]) == 10
    for name in ("predictions.png", "confusion_matrix.png", "training_curves.png"):
        with Image.open(reports / name) as image:
            assert image.format == "PNG"
            pixels = np.asarray(image.convert("L"), dtype=float)
            assert pixels.std() > 10, name  # something is drawn, not a blank page
    assert len(_saved_models(trained_project)) == 1


@pytest.mark.slow
@pytest.mark.timeout(2700)
def test_sample_photos_are_classified_by_the_trained_model(project, trained_project):
    models = "data/06_models/classifier.keras"
    shutil.copytree(trained_project / models, project / models)
    labels = _make_samples(project)
    folder = _new_images(project)
    with Image.open(next(folder.glob("*.jpg"))) as first:
        assert first.mode == "RGB" and first.size[0] > 28
    Image.new("RGB", (3000, 2000), "white").save(folder / "empty-page.png")
    (folder / "Thumbs.db").write_bytes(b"\x00" * 512)  # left by Windows Explorer

    code, output = kedro_run(project, "--pipelines", "inference")
    assert code == 0, output
    assert "Skipped 1 system file(s): Thumbs.db" in output

    out = project / "data" / "07_model_output"
    table = pd.read_csv(out / "new_image_predictions.csv")
    assert pd.read_excel(
        out / "new_image_predictions.xlsx", sheet_name="predictions"
    ).equals(table)
    assert len(table) == 21
    empty = table.set_index("file").loc["empty-page.png"]
    assert not empty["object_found"] and pd.isna(empty["predicted_class"])
    merged = table.merge(labels, on="file")
    assert len(merged) == 20 and merged["object_found"].all()
    agreement = (merged["predicted_class"] == merged["true_class"]).mean()
    assert agreement >= 0.8, merged[["file", "predicted_class", "true_class"]]
    with Image.open(out / "new_image_predictions.png") as figure:
        assert figure.format == "PNG"
