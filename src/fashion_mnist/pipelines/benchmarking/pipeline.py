"""The ``benchmarking`` pipeline: the lab's Task 2 as a parameterised timing study."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    assemble_workbook,
    describe_machine,
    plot_benchmark,
    run_benchmark,
    tabulate_like_the_lab,
)
from .speed import compare_training_speed, plot_training_speed


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                run_benchmark,
                inputs=[
                    "train_images",
                    "train_labels",
                    "params:benchmark",
                    "params:training",
                ],
                outputs="benchmark_timings",
                name="run_benchmark",
            ),
            Node(
                tabulate_like_the_lab,
                inputs="benchmark_timings",
                outputs="benchmark_lab_table",
                name="tabulate_like_the_lab",
            ),
            Node(
                describe_machine,
                inputs=["params:benchmark", "params:training"],
                outputs="benchmark_machine",
                name="describe_machine",
            ),
            Node(
                compare_training_speed,
                inputs=[
                    "train_images",
                    "train_labels",
                    "params:benchmark",
                    "params:training",
                ],
                outputs="training_speed",
                name="compare_training_speed",
            ),
            Node(
                plot_training_speed,
                inputs="training_speed",
                outputs="training_speed_plot",
                name="plot_training_speed",
            ),
            Node(
                assemble_workbook,
                inputs=[
                    "benchmark_timings",
                    "benchmark_lab_table",
                    "benchmark_machine",
                    "training_speed",
                ],
                outputs="benchmark_workbook",
                name="assemble_workbook",
            ),
            Node(
                plot_benchmark,
                inputs="benchmark_timings",
                outputs="benchmark_plot",
                name="plot_benchmark",
            ),
        ],
        tags="benchmarking",
        namespace="benchmarking",
        prefix_datasets_with_namespace=False,
    )
