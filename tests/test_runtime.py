"""TensorFlow starts quietly: its harmless banners are dropped, real errors kept."""

from __future__ import annotations

import os

import pytest

from fashion_mnist.runtime import _native_stderr_filtered, keep_line

CUINIT = (
    "E0000 00:00:1795857968.556007    3820 cuda_platform.cc:52] failed call to "
    "cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)"
)
BANNERS = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795857965.530297    3802 port.cc:153] oneDNN custom operations are on. "
    "You may see slightly different numerical results",
    "I0000 00:00:1795857965.530677    3802 cudart_stub.cc:31] Could not find cuda "
    "drivers on your machine, GPU will not be used.",
    "I0000 00:00:1795857965.589577    3802 cpu_feature_guard.cc:227] This TensorFlow "
    "binary is optimized to use available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, "
    "rebuild TensorFlow with the appropriate compiler flags.",
]
REAL_ERROR = (
    "E0000 00:00:1795857968.1 3820 op_kernel.cc:1] OUT_OF_RANGE: End of sequence"
)


@pytest.mark.parametrize("line", BANNERS)
def test_start_up_banners_are_dropped(line):
    assert not keep_line(line, gpu_present=False)
    assert not keep_line(line, gpu_present=True)


def test_cuinit_failure_is_dropped_only_without_a_gpu():
    assert not keep_line(CUINIT, gpu_present=False)
    assert keep_line(CUINIT, gpu_present=True)  # a GPU that fails to start matters


def test_other_errors_are_kept():
    assert keep_line(REAL_ERROR, gpu_present=False)
    assert keep_line("Traceback (most recent call last):", gpu_present=False)


def test_the_filter_works_on_what_native_code_writes_to_descriptor_2(capfd):
    with _native_stderr_filtered(gpu_present=False):
        for line in [*BANNERS, CUINIT, REAL_ERROR]:
            os.write(2, (line + "\n").encode())  # as TensorFlow's C++ core does
    assert capfd.readouterr().err.splitlines() == [REAL_ERROR]


# That importing the project prints nothing on a healthy machine is checked in
# a fresh process by tests/test_model_reload.py.
