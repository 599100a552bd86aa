"""The ``inference`` pipeline: classify new images with the latest saved model."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    plot_new_image_predictions,
    predict_new_images,
    prepare_new_images,
    tabulate_predictions,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                prepare_new_images,
                inputs=["new_images", "params:inference"],
                outputs=["new_images_prepared", "new_image_names", "new_image_found"],
                name="prepare_new_images",
            ),
            Node(
                predict_new_images,
                inputs=["classifier", "new_images_prepared"],
                outputs="new_image_probabilities",
                name="predict_new_images",
            ),
            Node(
                tabulate_predictions,
                inputs=[
                    "new_image_names",
                    "new_image_probabilities",
                    "new_image_found",
                ],
                outputs=["new_image_predictions", "new_image_predictions_csv"],
                name="tabulate_predictions",
            ),
            Node(
                plot_new_image_predictions,
                inputs=[
                    "new_images_prepared",
                    "new_image_names",
                    "new_image_probabilities",
                    "new_image_found",
                ],
                outputs="new_image_predictions_plot",
                name="plot_new_image_predictions",
            ),
        ],
        tags="inference",
        namespace="inference",
        prefix_datasets_with_namespace=False,
    )
