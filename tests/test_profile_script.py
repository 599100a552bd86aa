"""scripts/profile_training.py: a real profiled epoch, read into shares of the
busy time by kind of layer and pass."""

from __future__ import annotations

import importlib.util
import json

import pytest
from kedro.framework.session import KedroSession

from fashion_mnist.pipelines.data_processing.nodes import scale_images
from tests.helpers import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "profile_training.py"
spec = importlib.util.spec_from_file_location("profile_training", SCRIPT)
profile_training = importlib.util.module_from_spec(spec)
spec.loader.exec_module(profile_training)


def _stats(*rows: tuple[str, str, float]) -> str:
    """A "framework_op_stats" table as TensorFlow's profiler writes it."""
    columns = ["rank", "type", "operation", "total_self_time"]
    return json.dumps(
        [
            {
                "cols": [{"id": column} for column in columns],
                "rows": [
                    {"c": [{"v": rank}, {"v": kind}, {"v": name}, {"v": time}]}
                    for rank, (kind, name, time) in enumerate(rows, start=1)
                ],
            }
        ]
    )


def test_operations_are_counted_by_kind_of_layer_and_pass():
    rows = profile_training.op_rows(
        _stats(
            ("IDLE", "IDLE", 1000.0),  # not busy time: left out
            ("_MklNativeConv2D", "net/conv2d/convolution", 10.0),
            (
                "_MklNativeConv2DBackpropFilter",
                "while/gradient_tape/net/conv2d/convolution/Conv2DBackpropFilter",
                30.0,
            ),
            ("FusedBatchNormGradV3", "gradient_tape/net/bn/FusedBatchNormGradV3", 20.0),
            ("_FusedConv2D", "net/conv2d_1/Relu", 5.0),  # convolution, bias, ReLU
            ("AssignAddVariableOp", "adam/AssignAddVariableOp", 35.0),
        )
    )
    assert [row["type"] for row in rows] == [
        "Conv2D",
        "Conv2DBackpropFilter",
        "FusedBatchNormGradV3",
        "FusedConv2D",
        "AssignAddVariableOp",
    ]
    assert profile_training.shares(rows) == {
        ("convolution", "forward"): 15.0,
        ("convolution", "backward"): 30.0,
        ("batch norm", "backward"): 20.0,
        ("other", "forward"): 35.0,
    }
    table = profile_training.kinds_table(rows)
    assert "| convolution | 15.0 % | 30.0 % | 45.0 % |" in table
    assert "| max pooling | 0.0 % | 0.0 % | 0.0 % |" in table


def test_a_real_epoch_of_cnn_bn_spends_most_of_its_time_in_convolutions(
    project, monkeypatch
):
    def first_images(count):
        with KedroSession.create(project_path=project) as session:
            catalog = session.load_context().catalog
            images = catalog.load("raw_train_images")[:count]
            return scale_images(images), catalog.load("raw_train_labels")[:count]

    monkeypatch.setattr(profile_training.speed, "first_training_images", first_images)
    rows = profile_training.profile("cnn_bn", "batch_size=64", 640, "float32")
    parts = profile_training.shares(rows)
    assert sum(parts.values()) == pytest.approx(100.0)
    kinds = {kind for kind, _ in parts}
    assert {"convolution", "batch norm", "max pooling", "dense"} <= kinds
    # Four convolutions forward, and backward the weights' gradient of all
    # four plus the inputs' gradient of three: more time backward.
    assert parts["convolution", "backward"] > parts["convolution", "forward"] > 0
    # Convolutions are the bulk of such a network's arithmetic.
    convolution = parts["convolution", "backward"] + parts["convolution", "forward"]
    assert convolution > max(
        share for (kind, _), share in parts.items() if kind != "convolution"
    )
