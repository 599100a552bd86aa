"""Training on more than one device with TensorFlow's own engine, tf.distribute.

- ``none``: the default strategy, one device (what Keras does on its own).
- ``mirrored``: ``tf.distribute.MirroredStrategy``, one replica of the model on
  every local GPU, gradients summed across them at every step. Without a GPU,
  ``cpu_replicas: N`` splits the CPU into N logical devices, so that the same
  code path can be rehearsed on a laptop or in CI (on one CPU it is not faster).
- ``multi_worker``: ``tf.distribute.MultiWorkerMirroredStrategy`` over several
  machines (or processes), as the ``TF_CONFIG`` environment variable of each
  describes the cluster; the chief (or worker 0, in a cluster without a chief)
  writes the model and the reports.

``training.batch_size`` is always the *global* batch: each of N replicas sees
``batch_size / N`` samples of every step.
"""

from __future__ import annotations

import logging
import os
from typing import Literal

import tensorflow as tf
from pydantic import BaseModel, ConfigDict, PositiveInt

logger = logging.getLogger(__name__)

StrategyName = Literal["none", "mirrored", "multi_worker"]


class DistributionError(RuntimeError):
    """Raised when the requested distribution cannot be set up."""


class DistributionParams(BaseModel):
    """``training.distribution``: how many devices or machines train together."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="distribution")

    strategy: StrategyName = "none"
    cpu_replicas: PositiveInt | None = None


def split_cpu(replicas: int) -> list[str]:
    """Split the CPU into ``replicas`` logical devices; their names.

    TensorFlow allows this only before its runtime starts: ``kedro run`` does
    it before the first model is built. In a process that has already used
    TensorFlow with another split, it stops with advice.
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(replicas)]
        )
    except RuntimeError as exc:
        found = len(tf.config.list_logical_devices("CPU"))
        if found != replicas:
            raise DistributionError(
                f"training.distribution.cpu_replicas={replicas}: TensorFlow is already "
                f"running in this process with {found} CPU device(s), and the CPU can "
                "only be split before it starts. Run it in a new process "
                "(kedro run ...), or restart the notebook's kernel."
            ) from exc
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def _resolver() -> tf.distribute.cluster_resolver.TFConfigClusterResolver:
    """TensorFlow's own reading of ``TF_CONFIG`` (empty when it is not set)."""
    return tf.distribute.cluster_resolver.TFConfigClusterResolver()


def task() -> tuple[str, int]:
    """This process's job type and index in ``TF_CONFIG`` (("worker", 0) alone)."""
    resolver = _resolver()
    return resolver.task_type or "worker", int(resolver.task_id or 0)


def is_chief() -> bool:
    """Whether this process writes the model and reports: the chief, or worker 0
    of a cluster without a chief (TensorFlow's convention)."""
    kind, index = task()
    if kind == "chief":
        return True
    has_chief = "chief" in _resolver().cluster_spec().jobs
    return kind == "worker" and index == 0 and not has_chief


def is_helper_worker(training: object) -> bool:
    """Whether this process is a worker of a multi-worker run other than the
    chief (``training`` is the ``params:training`` section, raw or validated)."""
    if hasattr(training, "model_dump"):
        training = training.model_dump()
    strategy = (training or {}).get("distribution", {}).get("strategy", "none")
    return strategy == "multi_worker" and not is_chief()


def make_strategy(params: DistributionParams) -> tf.distribute.Strategy:
    """The strategy ``params`` asks for on this machine."""
    gpus = tf.config.list_physical_devices("GPU")
    if params.strategy == "none":
        return tf.distribute.get_strategy()
    devices = None
    if params.cpu_replicas and not gpus:
        devices = split_cpu(params.cpu_replicas)
    if params.strategy == "mirrored":
        return tf.distribute.MirroredStrategy(devices=devices)
    if "TF_CONFIG" not in os.environ:
        raise DistributionError(
            "training.distribution.strategy=multi_worker needs the TF_CONFIG "
            "environment variable describing the cluster on every worker; see "
            "docs/distributed.md."
        )
    return tf.distribute.MultiWorkerMirroredStrategy()
