"""The ``cross_validation`` pipeline: stratified k-fold on the training images."""

from kedro.pipeline import Node, Pipeline

from .figures import plot_accuracy_against_time, plot_fold_accuracies
from .nodes import (
    assemble_workbook,
    assign_folds,
    collect_tracked_metrics,
    compare_architectures,
    cross_validate,
    summarize_folds,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                assign_folds,
                inputs=["train_labels", "params:cross_validation", "params:training"],
                outputs="cv_folds",
                name="assign_folds",
            ),
            Node(
                cross_validate,
                inputs=[
                    "train_images",
                    "train_labels",
                    "cv_folds",
                    "params:cross_validation",
                    "params:training",
                ],
                outputs="cv_fold_scores",
                name="cross_validate",
            ),
            Node(
                summarize_folds,
                inputs="cv_fold_scores",
                outputs="cv_summary",
                name="summarize_folds",
            ),
            Node(
                compare_architectures,
                inputs="cv_fold_scores",
                outputs="cv_comparison",
                name="compare_architectures",
            ),
            Node(
                plot_fold_accuracies,
                inputs="cv_fold_scores",
                outputs="cross_validation_plot",
                name="plot_fold_accuracies",
            ),
            Node(
                plot_accuracy_against_time,
                inputs=["cv_fold_scores", "cv_summary"],
                outputs="cross_validation_time_plot",
                name="plot_accuracy_against_time",
            ),
            Node(
                collect_tracked_metrics,
                inputs=["cv_fold_scores", "cv_summary"],
                outputs="cross_validation_metrics",
                name="collect_tracked_metrics",
            ),
            Node(
                assemble_workbook,
                inputs=["cv_fold_scores", "cv_summary", "cv_comparison"],
                outputs="cross_validation_workbook",
                name="assemble_workbook",
            ),
        ],
        tags="cross_validation",
        namespace="cross_validation",
        prefix_datasets_with_namespace=False,
    )
