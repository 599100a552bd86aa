"""Where a network's training time goes on this machine: the share of the busy
CPU time of one training epoch taken by each kind of layer, forward and
backward (the gradients), from TensorFlow's profiler.

From the project root, in the project's environment, with nothing else running:

    python scripts/profile_training.py [--architecture cnn_bn]
        [--variant "shape.width=24"] [--images 12000] [--precision float32]
        [--top 10]

It trains the architecture with its own recipe (or ``--variant``, ``training``
keys as ``scripts/ablate.py`` takes them) on the first ``--images`` training
images with the project's ``auto`` levers except the precision: one untimed
epoch (tracing, caches), then one epoch under the profiler. It prints a
Markdown table of the layers' kinds and then the ``--top`` operations. The
shares are of the time TensorFlow's operations kept a core busy (summed over
threads, idle time left out); the profiler slows the run, so its seconds are
no speed to report (``scripts/measure_network_speed.py`` measures that).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "scripts"))
import measure_network_speed as speed  # noqa: E402  (one way to train on the first images)

# TensorFlow's operation types (oneDNN's "_MklNative"/"_Mkl" and the fused
# kernels' "_" prefixes removed) by the kind of layer that runs them; anything
# else (the optimizer, the loss, the input pipeline, augmentation) is "other".
# A fused convolution (with its bias and ReLU) counts as a convolution.
KINDS = {
    "Conv2D": "convolution",
    "FusedConv2D": "convolution",
    "Conv2DBackpropFilter": "convolution",
    "Conv2DBackpropFilterWithBias": "convolution",
    "Conv2DBackpropInput": "convolution",
    "FusedBatchNormV3": "batch norm",
    "FusedBatchNormEx": "batch norm",
    "FusedBatchNormGradV3": "batch norm",
    "MaxPool": "max pooling",
    "MaxPoolGrad": "max pooling",
    "MatMul": "dense",
    "FusedMatMul": "dense",
    "BatchMatMulV2": "dense",
    "Relu": "ReLU",
    "ReluGrad": "ReLU",
}
ORDER = ["convolution", "batch norm", "max pooling", "dense", "ReLU", "other"]


def op_type(name: str) -> str:
    for prefix in ("_MklNative", "_Mkl"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name.removeprefix("_")


def op_rows(framework_op_stats: bytes | str) -> list[dict]:
    """(type, operation name, self time in µs) of every operation in the
    profiler's "framework_op_stats" table, idle time left out."""
    table = json.loads(framework_op_stats)[0]
    columns = [column["id"] for column in table["cols"]]
    rows = []
    for row in table["rows"]:
        values = dict(zip(columns, (cell.get("v") for cell in row["c"]), strict=True))
        if values["type"] != "IDLE":
            rows.append(
                {
                    "type": op_type(values["type"]),
                    "operation": values["operation"],
                    "microseconds": float(values["total_self_time"]),
                }
            )
    return rows


def shares(rows: list[dict]) -> dict[tuple[str, str], float]:
    """Percent of the busy time by (kind, pass): the backward pass is what runs
    under Keras' gradient tape."""
    busy = sum(row["microseconds"] for row in rows)
    totals: Counter = Counter()
    for row in rows:
        kind = KINDS.get(row["type"], "other")
        direction = "backward" if "gradient_tape/" in row["operation"] else "forward"
        totals[kind, direction] += row["microseconds"]
    return {key: 100 * value / busy for key, value in totals.items()}


def kinds_table(rows: list[dict]) -> str:
    parts = shares(rows)
    lines = [
        "| layers | forward | backward | both |",
        "|---|---:|---:|---:|",
    ]
    for kind in ORDER:
        forward = parts.get((kind, "forward"), 0.0)
        backward = parts.get((kind, "backward"), 0.0)
        lines.append(
            f"| {kind} | {forward:.1f} % | {backward:.1f} % | {forward + backward:.1f} % |"
        )
    return "\n".join(lines)


def top_table(rows: list[dict], top: int) -> str:
    busy = sum(row["microseconds"] for row in rows)
    ranked = sorted(rows, key=lambda row: row["microseconds"], reverse=True)[:top]
    lines = ["| operation | type | share |", "|---|---|---:|"]
    for row in ranked:
        # The Keras layer and the op: ".../gradient_tape/cnn_bn_1/conv2d_1/..."
        name = row["operation"].split("StatefulPartitionedCall/")[-1]
        lines.append(
            f"| {name} | {row['type']} | {100 * row['microseconds'] / busy:.1f} % |"
        )
    return "\n".join(lines)


def profile(architecture: str, variant: str, images: int, precision: str) -> list:
    """Train one untimed epoch, profile the second; the profiler's operations."""
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    # TensorFlow has no public way to read a trace without TensorBoard's
    # profile plugin (not a dependency of this project); this is the function
    # that plugin calls, shipped with TensorFlow itself.
    from tensorflow.python.profiler.internal import (  # noqa: PLC0415
        _pywrap_profiler_plugin as profiler_plugin,
    )

    with tempfile.TemporaryDirectory(prefix="fashion-mnist-profile-") as folder:

        class SecondEpoch(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                if epoch == 1:
                    tf.profiler.experimental.start(folder)

            def on_epoch_end(self, epoch, logs=None):
                if epoch == 1:
                    tf.profiler.experimental.stop()

        speed.train_on_first_images(
            architecture, variant, precision, images, 2, [SecondEpoch()]
        )
        traces = sorted(Path(folder).rglob("*.xplane.pb"))
        data, ok = profiler_plugin.xspace_to_tools_data(
            [str(traces[-1])], "framework_op_stats", {}
        )
    if not ok:
        raise SystemExit("TensorFlow's profiler wrote no operation table")
    return op_rows(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--architecture", default="cnn_bn")
    parser.add_argument("--variant", default="")
    parser.add_argument("--images", type=int, default=12000)
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    import fashion_mnist  # noqa: F401, PLC0415 (oneDNN as the project runs, quietly)

    rows = profile(args.architecture, args.variant, args.images, args.precision)
    print(kinds_table(rows))
    print()
    print(top_table(rows, args.top))


if __name__ == "__main__":
    main()
