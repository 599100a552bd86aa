"""Structure of the modeling pipeline and its registration."""

from __future__ import annotations

from fashion_mnist.pipeline_registry import register_pipelines
from fashion_mnist.pipelines import data_processing, modeling
from fashion_mnist.pipelines.modeling.pipeline import REPORTS

FIGURES = {"predictions_plot", "confusion_matrix_plot", "training_curves_plot"}


def test_gate_consumes_every_report_so_it_runs_after_they_are_saved():
    pipeline = modeling.create_pipeline()
    gate = next(node for node in pipeline.nodes if node.name.endswith("check_accuracy"))
    assert set(gate.inputs) >= set(REPORTS)
    # Every output of the pipeline other than in-memory hand-offs is a report
    # the gate waits for, or the model, which the reports are computed from.
    saved = {
        name
        for name in pipeline.all_outputs()
        if name
        not in {
            "training_summary",
            "test_metrics",
            "test_predictions",
            "accepted_metrics",
        }
    }
    assert saved == set(REPORTS) | {"classifier", "registered_classifier"}
    assert FIGURES <= set(REPORTS)


def test_only_a_model_that_passed_the_gate_is_registered():
    pipeline = modeling.create_pipeline()
    (register,) = [n for n in pipeline.nodes if n.outputs == ["registered_classifier"]]
    gate = next(node for node in pipeline.nodes if node.name.endswith("check_accuracy"))
    assert gate.outputs == ["accepted_metrics"]
    assert "accepted_metrics" in register.inputs


def test_registry_composes_the_pipelines_visibly():
    registered = register_pipelines()
    processing = data_processing.create_pipeline()
    assert registered["data_processing"].nodes == processing.nodes
    assert (
        registered["modeling"].nodes == (processing + modeling.create_pipeline()).nodes
    )
    assert registered["__default__"].nodes == registered["modeling"].nodes
    assert not {node.name for node in registered["inference"].nodes} & {
        node.name for node in processing.nodes
    }


def test_modeling_runs_on_its_own_from_the_raw_files():
    free_inputs = {
        name
        for name in register_pipelines()["modeling"].inputs()
        if not name.startswith("params:")
    }
    assert free_inputs == {
        "raw_train_images",
        "raw_train_labels",
        "raw_test_images",
        "raw_test_labels",
    }
