"""The ``tuning`` pipeline: recipes searched on held-out training images."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    open_study,
    plot_parameter_importances,
    plot_search_history,
    report_best,
    search_recipes,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            # First, so that a storage that cannot be opened stops the run
            # before any training.
            Node(
                open_study,
                inputs=["tuning_journal", "params:tuning"],
                outputs="tuning_study",
                name="open_study",
            ),
            Node(
                search_recipes,
                inputs=[
                    "tuning_study",
                    "tuning_journal",
                    "train_images",
                    "train_labels",
                    "params:tuning",
                    "params:training",
                ],
                outputs="tuning_trials",
                name="search_recipes",
            ),
            # The figures and the recommendation read the study after the
            # search: they take its table of trials, so they run after it.
            Node(
                plot_search_history,
                inputs=["tuning_study", "tuning_trials"],
                outputs="tuning_history_plot",
                name="plot_search_history",
            ),
            Node(
                plot_parameter_importances,
                inputs=["tuning_study", "tuning_trials"],
                outputs="tuning_importances_plot",
                name="plot_parameter_importances",
            ),
            Node(
                report_best,
                inputs=["tuning_study", "tuning_trials", "params:tuning"],
                outputs="tuning_best",
                name="report_best",
            ),
        ],
        tags="tuning",
        namespace="tuning",
        prefix_datasets_with_namespace=False,
    )
