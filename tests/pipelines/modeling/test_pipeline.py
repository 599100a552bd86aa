"""Structure of the modeling pipeline and its registration."""

from __future__ import annotations

import pytest
from kedro.framework.project import pipelines as project_pipelines

from fashion_mnist.pipeline_registry import register_pipelines
from fashion_mnist.pipelines.modeling import create_pipeline


@pytest.fixture
def registered():
    project_pipelines.set_requested(None)  # as a plain `kedro run` registers them
    return register_pipelines()


def test_gate_runs_after_every_report_is_saved(registered):
    for pipeline in (
        create_pipeline(),
        registered["modeling"],
        registered["__default__"],
    ):
        names = [node.name for node in pipeline.nodes]
        assert names[-1] == "modeling.check_accuracy"
        assert {
            "modeling.plot_predictions",
            "modeling.plot_confusion_matrix",
            "modeling.plot_training_curves",
        } <= set(names)


def test_modeling_runs_on_its_own_from_the_raw_files(registered):
    free_inputs = {
        name
        for name in registered["modeling"].inputs()
        if not name.startswith("params:")
    }
    assert free_inputs == {
        "raw_train_images",
        "raw_train_labels",
        "raw_test_images",
        "raw_test_labels",
    }


def test_default_pipeline_is_the_labs_task_one(registered):
    assert registered["__default__"].nodes == registered["modeling"].nodes


def test_modeling_alone_is_registered_with_data_processing():
    project_pipelines.set_requested(["modeling"])  # as `kedro run --pipelines modeling`
    try:
        names = {node.name for node in register_pipelines()["modeling"].nodes}
    finally:
        project_pipelines.set_requested(None)
    assert {
        "data_processing.check_train_split",
        "data_processing.scale_train_images",
        "modeling.train_model",
    } <= names
