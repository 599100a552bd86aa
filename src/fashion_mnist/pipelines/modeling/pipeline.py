"""The ``modeling`` pipeline: the lab's Task 1 (build, train, evaluate, check)."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    check_accuracy,
    collect_tracked_metrics,
    evaluate_model,
    export_onnx,
    package_classifier,
    plot_confusion_matrix,
    plot_predictions,
    plot_training_curves,
    report_metrics,
    track_model,
    train_model,
)

# Everything the run reports, to data/ and to MLflow. The gate takes them all
# as inputs, so under any runner it can fail the run only after each of them is
# saved (the model is saved before the metrics are computed from it).
REPORTS = [
    "metrics",
    "training_history",
    "predictions_plot",
    "confusion_matrix_plot",
    "training_curves_plot",
    "tracked_metrics",
    "tracked_classifier",
    "classifier_onnx",
]


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                train_model,
                inputs=[
                    "train_images",
                    "train_labels",
                    "params:model",
                    "params:training",
                ],
                outputs=["classifier", "training_history", "training_summary"],
                name="train_model",
            ),
            Node(
                evaluate_model,
                inputs=["classifier", "test_images", "test_labels"],
                outputs=["test_predictions", "test_metrics"],
                name="evaluate_model",
            ),
            Node(
                report_metrics,
                inputs=["training_summary", "test_metrics"],
                outputs="metrics",
                name="report_metrics",
            ),
            Node(
                plot_predictions,
                inputs=[
                    "test_images",
                    "test_labels",
                    "test_predictions",
                    "params:figures",
                    "params:training",
                ],
                outputs="predictions_plot",
                name="plot_predictions",
            ),
            Node(
                plot_confusion_matrix,
                inputs="test_metrics",
                outputs="confusion_matrix_plot",
                name="plot_confusion_matrix",
            ),
            Node(
                plot_training_curves,
                inputs=["training_history", "test_metrics"],
                outputs="training_curves_plot",
                name="plot_training_curves",
            ),
            Node(
                collect_tracked_metrics,
                inputs=["training_history", "metrics"],
                outputs="tracked_metrics",
                name="collect_tracked_metrics",
            ),
            Node(
                track_model,
                inputs="classifier",
                outputs="tracked_classifier",
                name="track_model",
            ),
            Node(
                export_onnx,
                inputs="classifier",
                outputs="classifier_onnx",
                name="export_onnx",
            ),
            Node(
                check_accuracy,
                inputs=[REPORTS[0], "params:accuracy_check", *REPORTS[1:]],
                outputs="accepted_metrics",
                name="check_accuracy",
            ),
            # After the gate: only a model that passed is registered.
            Node(
                package_classifier,
                inputs=["classifier", "classifier_onnx", "accepted_metrics"],
                outputs="registered_classifier",
                name="register_classifier",
            ),
        ],
        tags="modeling",
        namespace="modeling",
        prefix_datasets_with_namespace=False,
    )
