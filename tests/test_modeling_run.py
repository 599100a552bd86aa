"""Real Kedro runs of the modeling pipeline: the full default run, the gate and
the runners."""

from __future__ import annotations

import json

import pytest
from kedro.framework.session import KedroSession
from kedro.runner import ParallelRunner

from fashion_mnist.hooks import UnsupportedRunnerError
from fashion_mnist.pipelines.modeling.nodes import (
    AccuracyBelowThresholdError,
    check_accuracy,
)
from fashion_mnist.pipelines.modeling.params import AccuracyCheckParams
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


@pytest.mark.slow  # ten epochs on all 60,000 images: the full tier
def test_the_labs_network_on_all_the_data_passes_the_labs_check_not_the_projects(
    project,
):
    """The accuracy gate on the real data, cheaply: the lab's mlp (10 epochs on
    all 60,000 images, with the project's speed levers) passes the lab's own
    check, training accuracy >= 0.90 (measured 0.917 on two kinds of CPU), and
    fails this project's, test accuracy >= 0.90 (measured 0.886): both margins
    are more than a point, far above what CPU numerics move."""
    params = {
        "model": {"architecture": "mlp"},
        "accuracy_check": {"split": "train", "threshold": 0.90},
    }
    with KedroSession.create(project_path=project, runtime_params=params) as session:
        session.run(pipeline_names=["modeling"])  # passes the lab's check
    metrics = json.loads(
        (project / "data" / "08_reporting" / "metrics.json").read_text()
    )
    assert metrics["architecture"] == "mlp" and metrics["parameters"] == 407_050
    assert (metrics["training_samples"], metrics["test_samples"]) == (60_000, 10_000)
    assert metrics["train_accuracy"] >= 0.90
    with pytest.raises(AccuracyBelowThresholdError, match="test accuracy 0.8"):
        check_accuracy(metrics, AccuracyCheckParams(split="test", threshold=0.90))
