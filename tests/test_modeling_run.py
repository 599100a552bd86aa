"""Real Kedro runs of the modeling pipeline: the full default run, and the gate."""

from __future__ import annotations

import json

import pytest
from kedro.framework.session import KedroSession
from PIL import Image

from tests.helpers import kedro_run

REPORTS = [
    "metrics.json",
    "training_history.csv",
    "predictions.png",
    "confusion_matrix.png",
    "training_curves.png",
]


def _saved_models(project):
    return sorted(
        (project / "data" / "06_models" / "classifier.keras").glob("*/classifier.keras")
    )


@pytest.mark.slow
def test_default_run_on_full_data_reaches_ninety_percent_test_accuracy(trained_project):
    """`kedro run` with the defaults: data_processing then modeling (cnn, 10 epochs)."""
    project = trained_project
    reports = project / "data" / "08_reporting"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["architecture"] == "cnn"
    assert (metrics["epochs"], metrics["batch_size"]) == (10, 64)
    assert metrics["training_samples"] == 60_000 and metrics["test_samples"] == 10_000
    assert metrics["test_accuracy"] >= 0.90
    assert len(metrics["per_class"]) == 10
    for name in REPORTS:
        assert (reports / name).stat().st_size > 0
    for name in ("predictions.png", "confusion_matrix.png", "training_curves.png"):
        with Image.open(reports / name) as image:
            assert image.format == "PNG"
    assert len(_saved_models(project)) == 1


def test_gate_failure_exits_non_zero_after_saving_reports(project):
    """The CLI, as a user runs it, with a threshold the model cannot reach."""
    code, output = kedro_run(
        project,
        "--pipelines",
        "modeling",
        "--params",
        "accuracy_check.threshold=0.99,data_processing.sample_limit=500,training.epochs=1,model.architecture=mlp",
    )
    assert code != 0, output
    assert "Accuracy check failed: test accuracy" in output
    assert "below the threshold 0.9900" in output
    for name in REPORTS:
        assert (project / "data" / "08_reporting" / name).exists(), name
    assert len(_saved_models(project)) == 1


def test_lab_check_on_training_accuracy_passes_with_runtime_params(project):
    """The lab's own check (training accuracy) on a quick run, through runtime_params."""
    params = {
        "data_processing": {"sample_limit": 2000},
        "model": {"architecture": "mlp"},
        "training": {"epochs": 8},
        "accuracy_check": {"split": "train", "threshold": 0.8},
    }
    with KedroSession.create(project_path=project, runtime_params=params) as session:
        session.run(pipeline_names=["modeling"])
    metrics = json.loads(
        (project / "data" / "08_reporting" / "metrics.json").read_text()
    )
    assert metrics["architecture"] == "mlp" and metrics["parameters"] == 407_050
    assert metrics["training_samples"] == 2000
    assert metrics["train_accuracy"] >= 0.8
