"""The ``data_processing`` pipeline: raw IDX arrays in, scaled model input out."""

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from .nodes import check_split, describe_model_input, plot_dataset_preview, scale_images

PARAMS = "params:data_processing"


def _split_nodes(split: str) -> list[Node]:
    check = update_wrapper(partial(check_split, split=split), check_split)
    return [
        Node(
            func=check,
            inputs=[f"raw_{split}_images", f"raw_{split}_labels", PARAMS],
            outputs=[f"checked_{split}_images", f"{split}_labels"],
            name=f"check_{split}_split",
        ),
        Node(
            func=scale_images,
            inputs=f"checked_{split}_images",
            outputs=f"{split}_images",
            name=f"scale_{split}_images",
        ),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            *_split_nodes("train"),
            *_split_nodes("test"),
            Node(
                func=describe_model_input,
                inputs=["train_labels", "test_labels", PARAMS],
                outputs="model_input_manifest",
                name="describe_model_input",
            ),
            Node(
                func=plot_dataset_preview,
                inputs=["checked_train_images", "train_labels", PARAMS],
                outputs="dataset_preview",
                name="plot_dataset_preview",
            ),
        ],
        tags="data_processing",
        namespace="data_processing",
        prefix_datasets_with_namespace=False,
    )
