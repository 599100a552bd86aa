"""How training uses the machine: the four speed levers and their ``auto`` choice.

- ``steps_per_execution``: Keras runs this many training steps in one call of
  its compiled function, so Python and Keras' per-step overhead is paid once
  per group instead of once per batch. Results are the same.
- ``precision``: a Keras dtype policy. ``mixed_bfloat16`` computes in bfloat16
  (weights stay float32) where the CPU has bfloat16 instructions (AVX512_BF16
  or AMX) and XLA is off; ``mixed_float16`` on NVIDIA GPUs with tensor cores
  (compute capability 7.0 or newer; Keras scales the loss); ``float32``
  otherwise. The output layer always computes in float32. Accuracy moves by a
  few hundredths of a point at most (measured: see docs/speed.md).
- ``input_pipeline``: ``tf_data`` feeds the arrays through an explicit
  ``tf.data`` pipeline (cache, shuffle every epoch, batch, prefetch), so the
  next batch is ready while the current one trains; ``arrays`` hands NumPy
  arrays to ``fit`` (the lab's way).
- ``jit_compile``: XLA compiles each training step (all its operations fused
  into one program) instead of running TensorFlow's kernels one by one.
  ``auto`` turns it on where it pays: on a GPU (Keras' own choice there) and,
  on a CPU, for networks without convolutions, whose small steps are mostly
  per-operation overhead, when the run is long enough to repay the
  compiling. XLA's CPU convolutions are slower than TensorFlow's oneDNN ones
  (measured: docs/speed.md), so convolutional networks keep it off on a CPU.
  Under ``tf.distribute`` it is off (Keras' own choice too).
- oneDNN (``auto_onednn``): not a parameter, as TensorFlow reads it when it
  loads; ``import fashion_mnist`` turns TensorFlow's oneDNN kernels on for an
  x86 CPU with AVX2 where TensorFlow would leave them off.

The benchmark of the lab's Task 2 builds its models without these levers, so
its cells keep measuring the lab's settings.
"""

from __future__ import annotations

import logging
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

logger = logging.getLogger(__name__)

Precision = Literal["float32", "mixed_bfloat16", "mixed_float16"]
InputPipeline = Literal["tf_data", "arrays"]

AUTO_STEPS_PER_EXECUTION = 32
BF16_CPU_FLAGS = {"avx512_bf16", "amx_bf16"}


class PerformanceParams(BaseModel):
    """``training.performance``: the speed levers; ``auto`` picks for the machine."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="performance")

    steps_per_execution: int | Literal["auto"] = Field("auto")
    precision: Precision | Literal["auto"] = "auto"
    input_pipeline: InputPipeline | Literal["auto"] = "auto"
    jit_compile: bool | Literal["auto"] = "auto"

    def model_post_init(self, _context: object) -> None:
        spe = self.steps_per_execution
        if isinstance(spe, int) and spe < 1:
            raise ValueError(f"steps_per_execution must be >= 1 or 'auto', found {spe}")


@dataclass(frozen=True)
class Levers:
    """The levers as resolved for this machine."""

    steps_per_execution: int
    precision: Precision
    input_pipeline: InputPipeline
    jit_compile: bool = False

    @classmethod
    def lab(cls) -> Levers:
        """What the lab's own code does: one step per call, float32, arrays, no XLA."""
        return cls(1, "float32", "arrays", False)

    def describe(self) -> dict[str, object]:
        return {
            "steps_per_execution": self.steps_per_execution,
            "precision": self.precision,
            "input_pipeline": self.input_pipeline,
            "jit_compile": self.jit_compile,
        }


def cpu_info() -> dict[str, str]:
    """The first processor's fields in /proc/cpuinfo (Linux); empty elsewhere."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the end of the first processor's block
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux); empty elsewhere."""
    return set(cpu_info().get("flags", "").split())


def cpu_model() -> str:
    """The CPU's marketing name: from /proc/cpuinfo on Linux, else the platform's."""
    return cpu_info().get("model name") or platform.processor() or platform.machine()


def gpu_compute_capabilities() -> list[tuple[int, int]]:
    """Compute capability of each visible GPU (empty on a CPU-only machine)."""
    import tensorflow as tf  # noqa: PLC0415 (imported quietly by the package)

    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        if "compute_capability" in details:
            capabilities.append(tuple(details["compute_capability"]))
    return capabilities


def auto_precision(*, jit_compile: bool = False) -> Precision:
    """``mixed_float16`` on tensor-core GPUs, ``mixed_bfloat16`` on CPUs with
    bfloat16 instructions unless XLA compiles the steps, ``float32`` otherwise.

    XLA's CPU backend does not use oneDNN's bfloat16 kernels (the lab's mlp
    trained slower in bfloat16 than in float32 under XLA: docs/speed.md), so
    XLA on a CPU computes in float32.
    """
    capabilities = gpu_compute_capabilities()
    if capabilities:
        return "mixed_float16" if min(capabilities) >= (7, 0) else "float32"
    if jit_compile:
        return "float32"
    if sys.platform.startswith("linux") and cpu_flags() & BF16_CPU_FLAGS:
        return "mixed_bfloat16"
    return "float32"


ONEDNN_VARIABLE = "TF_ENABLE_ONEDNN_OPTS"
# The CPU features with which TensorFlow turns its oneDNN kernels on by itself
# (TensorFlow's IsDataTypeSupportedByOneDNNOnThisCPU / the x86 default).
ONEDNN_DEFAULT_CPU_FLAGS = {
    "avx512_vnni",
    "avx512_bf16",
    "avx_vnni",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
}


def auto_onednn(flags: set[str], machine: str) -> str | None:
    """The value to give ``TF_ENABLE_ONEDNN_OPTS`` before TensorFlow loads, or
    None to leave TensorFlow's own choice.

    TensorFlow leaves oneDNN off on x86 CPUs without the instructions above;
    on such a CPU with AVX2 the project turns it on: the networks with batch
    normalisation (the default and the preset) train much faster with it, the
    others about as fast (measured: docs/speed.md).
    """
    if machine.lower() not in {"x86_64", "amd64"} or flags & ONEDNN_DEFAULT_CPU_FLAGS:
        return None
    return "1" if "avx2" in flags else None


def onednn_state(environment: dict[str, str], flags: set[str]) -> str:
    """Whether TensorFlow's oneDNN kernels are on in a process with this
    environment on this CPU, and who said so: for logs and reports."""
    value = environment.get(ONEDNN_VARIABLE)
    if value is not None:
        on = value.strip().lower() in {"1", "true", "yes", "on"}
        return f"{'on' if on else 'off'} ({ONEDNN_VARIABLE}={value})"
    return (
        "on (TensorFlow's default here)" if flags & ONEDNN_DEFAULT_CPU_FLAGS else "off"
    )


# XLA compiles each new model's step before its first batch; on a CPU a run
# shorter than this many training images x epochs does not earn the compiling
# back (measured: docs/speed.md, "XLA on short runs").
XLA_MIN_SAMPLES = 100_000


def auto_jit_compile(
    *, convolutional: bool, distributed: bool = False, samples: int | None = None
) -> bool:
    """XLA on a GPU, and on a CPU for networks without convolutions trained on
    at least ``XLA_MIN_SAMPLES`` images x epochs (``samples``; None: a full
    run); never under ``tf.distribute``."""
    if distributed:
        return False
    if gpu_compute_capabilities():
        return True
    return not convolutional and (samples is None or samples >= XLA_MIN_SAMPLES)


def resolve(
    params: PerformanceParams,
    *,
    convolutional: bool,
    distributed: bool = False,
    samples: int | None = None,
) -> Levers:
    """The levers to use on this machine for ``params`` and a network that has
    (or has not) convolutions, trained under ``tf.distribute`` or not, on
    ``samples`` training images x epochs (None: not known, a full run)."""
    spe = params.steps_per_execution
    jit_compile = (
        auto_jit_compile(
            convolutional=convolutional, distributed=distributed, samples=samples
        )
        if params.jit_compile == "auto"
        else params.jit_compile
    )
    return Levers(
        steps_per_execution=AUTO_STEPS_PER_EXECUTION if spe == "auto" else spe,
        precision=(
            auto_precision(jit_compile=jit_compile)
            if params.precision == "auto"
            else params.precision
        ),
        input_pipeline=(
            "tf_data" if params.input_pipeline == "auto" else params.input_pipeline
        ),
        jit_compile=jit_compile,
    )
