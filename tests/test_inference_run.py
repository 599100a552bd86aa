"""Real runs of the inference pipeline through the CLI, as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from PIL import Image

from fashion_mnist.models import build_classifier
from tests.helpers import PROJECT_ROOT, kedro_run


def _make_samples(project, count: int = 20) -> pd.DataFrame:
    subprocess.run(
        [
            sys.executable,
            "scripts/make_sample_images.py",
            "--project",
            str(project),
            "--count",
            str(count),
        ],
        check=True,
        cwd=PROJECT_ROOT,
        timeout=300,
        capture_output=True,
    )
    return pd.read_csv(project / "data" / "01_raw" / "new_images_labels.csv")


def _save_untrained_model(project) -> None:
    with KedroSession.create(project_path=project) as session:
        session.load_context().catalog.save(
            "classifier", build_classifier("mlp", seed=0)
        )


@pytest.mark.slow
def test_sample_photos_are_classified_by_the_trained_model(project, trained_project):
    models = "data/06_models/classifier.keras"
    shutil.copytree(trained_project / models, project / models)
    labels = _make_samples(project)
    images = sorted((project / "data" / "01_raw" / "new_images").iterdir())
    assert len(images) == 20
    assert {path.suffix for path in images} == {".jpg", ".png"}
    with Image.open(images[0]) as first:
        assert first.mode == "RGB" and first.size[0] > 28

    code, output = kedro_run(project, "--pipelines", "inference")
    assert code == 0, output

    out = project / "data" / "07_model_output"
    table = pd.read_csv(out / "new_image_predictions.csv")
    assert pd.read_excel(
        out / "new_image_predictions.xlsx", sheet_name="predictions"
    ).equals(table)
    merged = table.merge(labels, on="file")
    assert len(merged) == 20
    agreement = (merged["predicted_class"] == merged["true_class"]).mean()
    assert agreement >= 0.8, merged[["file", "predicted_class", "true_class"]]
    with Image.open(out / "new_image_predictions.png") as figure:
        assert figure.format == "PNG"


def test_a_non_image_file_stops_the_run_and_nothing_is_written(project):
    _save_untrained_model(project)
    _make_samples(project, count=3)
    (project / "data" / "01_raw" / "new_images" / "notes.txt").write_text(
        "not a picture"
    )

    code, output = kedro_run(project, "--pipelines", "inference")

    assert code != 0
    assert "notes.txt is not an image" in output
    assert [p.name for p in (project / "data" / "07_model_output").iterdir()] == []


def test_without_model_or_images_the_run_says_what_to_do(project):
    code, output = kedro_run(project, "--pipelines", "inference")
    assert code != 0
    assert "This run needs inputs that do not exist yet" in output
    assert "kedro run --pipelines modeling" in output
    assert "scripts/make_sample_images.py" in output


def test_with_a_model_but_an_empty_folder_the_run_says_what_to_do(project):
    _save_untrained_model(project)
    (project / "data" / "01_raw" / "new_images").mkdir()
    code, output = kedro_run(project, "--pipelines", "inference")
    assert code != 0
    assert "no images in data/01_raw/new_images/" in output
