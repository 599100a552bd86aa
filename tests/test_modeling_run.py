"""Real Kedro runs of the modeling pipeline: the full default run, the gate and
the runners."""

from __future__ import annotations

import json

import pytest
from kedro.framework.session import KedroSession
from kedro.runner import ParallelRunner

from fashion_mnist.hooks import UnsupportedRunnerError
from tests.helpers import kedro_run

REPORTS = {
    "metrics.json": "metrics",
    "training_history.csv": "training_history",
    "predictions.png": "predictions_plot",
    "confusion_matrix.png": "confusion_matrix_plot",
    "training_curves.png": "training_curves_plot",
}
QUICK = "data_processing.sample_limit=500,training.epochs=1,model.architecture=mlp"


def _saved_models(project):
    return sorted(
        (project / "data" / "06_models" / "classifier.keras").glob("*/classifier.keras")
    )


def test_gate_fails_the_cli_run_only_after_every_report_is_saved(project):
    """Under ThreadRunner, which runs whatever is ready in parallel, the gate
    still runs after the model and every report are written."""
    code, output = kedro_run(
        project,
        "--pipelines",
        "modeling",
        "--runner",
        "ThreadRunner",
        "--params",
        f"accuracy_check.threshold=0.99,{QUICK}",
    )
    assert code != 0, output
    assert "Accuracy check failed: test accuracy" in output
    assert "below the threshold 0.9900" in output
    gate_starts = output.index("Running node: check_accuracy")
    for file, dataset in REPORTS.items():
        assert (project / "data" / "08_reporting" / file).stat().st_size > 0, file
        saved = output.index(f"Saving data to {dataset} ")
        assert saved < gate_starts, f"{dataset} saved after the gate started"
    assert output.index("Saving data to classifier ") < gate_starts
    assert len(_saved_models(project)) == 1


def test_parallel_runner_is_refused_at_once_with_advice(project):
    with KedroSession.create(project_path=project) as session:
        with pytest.raises(UnsupportedRunnerError, match="SequentialRunner"):
            session.run(pipeline_names=["modeling"], runner=ParallelRunner())
    assert not any((project / "data" / "05_model_input").iterdir())


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
