"""TensorFlow's start-up, without the noise.

Importing TensorFlow and looking for GPUs makes its C++ core print banners
straight to the process's standard error (file descriptor 2), before Python's
logging or ``TF_CPP_MIN_LOG_LEVEL`` can filter them: "oneDNN custom operations
are on", "Could not find cuda drivers", the CPU instructions the binary could
use, absl's "All log messages before absl::InitializeLog()", and, on a machine
with CUDA libraries but no GPU, "failed call to cuInit", logged as an error
although TensorFlow then simply runs on the CPU.

``import_tensorflow()`` imports TensorFlow and lists the GPUs with that file
descriptor pointed at a temporary file, then writes back every line except
those known banners; anything else TensorFlow says (a real error) still
reaches the terminal. The cuInit line is dropped only when the machine has no
NVIDIA device at all. ``TF_CPP_MIN_LOG_LEVEL`` defaults to 2 (errors only) for
what TensorFlow logs later; set it yourself to see more.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fashion_mnist.performance import ONEDNN_VARIABLE, auto_onednn, cpu_flags

HARMLESS = [
    re.compile(p)
    for p in (
        r"All log messages before absl::InitializeLog\(\) is called",
        r"\] oneDNN custom operations are on",
        r"\] Could not find cuda drivers on your machine",
        r"\] This TensorFlow binary is optimized to use available CPU instructions",
        r"^To enable the following instructions: .* rebuild TensorFlow",
    )
]
NO_GPU_ONLY = re.compile(r"\] failed call to cuInit")


def has_nvidia_device() -> bool:
    """Whether the machine shows an NVIDIA GPU device node (Linux), or might have
    one (other systems: we cannot tell, so the cuInit error is kept)."""
    if not sys.platform.startswith("linux"):
        return True
    return any(Path("/dev").glob("nvidia[0-9]*"))


def keep_line(line: str, gpu_present: bool) -> bool:
    """Whether a line TensorFlow printed at start-up is worth showing."""
    if any(pattern.search(line) for pattern in HARMLESS):
        return False
    return gpu_present or not NO_GPU_ONLY.search(line)


@contextmanager
def _native_stderr_filtered(gpu_present: bool) -> Iterator[None]:
    stderr_fd = 2  # where native code writes, whatever Python's sys.stderr is
    sys.stderr.flush()
    saved = os.dup(stderr_fd)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), stderr_fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, stderr_fd)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
            kept = [
                line
                for line in text.splitlines()
                if line and keep_line(line, gpu_present)
            ]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")


def import_tensorflow() -> None:
    """Import TensorFlow and find its devices once, quietly (see module doc),
    with oneDNN's kernels on where the project's measurements say they pay
    (``performance.auto_onednn``; a ``TF_ENABLE_ONEDNN_OPTS`` of your own wins)."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    onednn = auto_onednn(cpu_flags(), platform.machine())
    if onednn is not None:
        os.environ.setdefault(ONEDNN_VARIABLE, onednn)
    with _native_stderr_filtered(has_nvidia_device()):
        import tensorflow as tf  # noqa: PLC0415

        tf.config.list_physical_devices("GPU")
