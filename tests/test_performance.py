"""The speed levers: what ``auto`` picks, and that they keep the results."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import numpy as np
import pytest
from pydantic import ValidationError

from fashion_mnist import performance
from fashion_mnist.performance import Levers, PerformanceParams, resolve
from fashion_mnist.training import TrainingParams, fit, train_classifier
from tests.helpers import separable_data


@pytest.mark.parametrize(
    ("flags", "gpus", "expected"),
    [
        ({"avx512f", "avx512_bf16"}, [], "mixed_bfloat16"),  # AMD EPYC Zen 4
        ({"avx512f", "amx_bf16", "amx_tile"}, [], "mixed_bfloat16"),  # Xeon with AMX
        ({"avx2", "fma"}, [], "float32"),  # no bfloat16 instructions
        (set(), [(8, 6)], "mixed_float16"),  # a GPU with tensor cores
        ({"avx512_bf16"}, [(6, 1)], "float32"),  # an older GPU
    ],
)
def test_auto_precision_follows_the_hardware(monkeypatch, flags, gpus, expected):
    monkeypatch.setattr(performance.sys, "platform", "linux")
    monkeypatch.setattr(performance, "cpu_flags", lambda: flags)
    monkeypatch.setattr(performance, "gpu_compute_capabilities", lambda: gpus)
    assert performance.auto_precision() == expected


def test_auto_precision_is_float32_under_xla_on_a_cpu(monkeypatch):
    monkeypatch.setattr(performance.sys, "platform", "linux")
    monkeypatch.setattr(performance, "cpu_flags", lambda: {"avx512_bf16"})
    monkeypatch.setattr(performance, "gpu_compute_capabilities", lambda: [])
    assert performance.auto_precision(jit_compile=True) == "float32"
    mlp = resolve(PerformanceParams(), convolutional=False)
    assert (mlp.precision, mlp.jit_compile) == ("float32", True)
    cnn = resolve(PerformanceParams(), convolutional=True)
    assert (cnn.precision, cnn.jit_compile) == ("mixed_bfloat16", False)
    # An explicit precision is kept under XLA too.
    explicit = PerformanceParams(precision="mixed_bfloat16")
    assert resolve(explicit, convolutional=False).precision == "mixed_bfloat16"


def test_explicit_values_are_kept_and_auto_is_resolved(monkeypatch):
    monkeypatch.setattr(performance, "auto_precision", lambda **_: "mixed_bfloat16")
    monkeypatch.setattr(performance, "gpu_compute_capabilities", lambda: [])
    assert resolve(PerformanceParams(), convolutional=True) == Levers(
        32, "mixed_bfloat16", "tf_data", jit_compile=False
    )
    explicit = PerformanceParams(
        steps_per_execution=4,
        precision="float32",
        input_pipeline="arrays",
        jit_compile=True,
    )
    assert resolve(explicit, convolutional=True) == Levers(4, "float32", "arrays", True)


@pytest.mark.parametrize(
    ("gpus", "convolutional", "expected"),
    [
        ([], False, True),  # a CPU, the lab's mlp: XLA fuses its small steps
        ([], True, False),  # a CPU, convolutions: oneDNN's kernels are faster
        ([(8, 6)], True, True),  # a GPU: Keras' own auto choice
    ],
)
def test_auto_xla_follows_the_network_and_the_hardware(
    monkeypatch, gpus, convolutional, expected
):
    monkeypatch.setattr(performance, "gpu_compute_capabilities", lambda: gpus)
    levers = resolve(PerformanceParams(), convolutional=convolutional)
    assert levers.jit_compile is expected
    off = resolve(PerformanceParams(jit_compile=False), convolutional=convolutional)
    assert off.jit_compile is False
    distributed = resolve(
        PerformanceParams(), convolutional=convolutional, distributed=True
    )
    assert distributed.jit_compile is False


@pytest.mark.parametrize(
    ("gpus", "samples", "expected"),
    [
        ([], performance.XLA_MIN_SAMPLES - 1, False),  # compiling costs more
        ([], performance.XLA_MIN_SAMPLES, True),
        ([], None, True),  # not known: a full run
        ([(8, 6)], 10, True),  # a GPU: Keras' own choice, whatever the length
    ],
)
def test_auto_xla_on_a_cpu_only_for_runs_long_enough_to_repay_it(
    monkeypatch, gpus, samples, expected
):
    monkeypatch.setattr(performance, "gpu_compute_capabilities", lambda: gpus)
    mlp = resolve(PerformanceParams(), convolutional=False, samples=samples)
    assert mlp.jit_compile is expected
    forced = resolve(
        PerformanceParams(jit_compile=True), convolutional=False, samples=10
    )
    assert forced.jit_compile is True


def test_training_tells_the_levers_how_long_it_trains(monkeypatch):
    """``train_classifier`` resolves ``auto`` for its own images x epochs (the
    part it fits, without the validation images), before it builds a network."""
    seen = []

    def spy(**kwargs):
        seen.append(kwargs["samples"])
        return False

    class Built(Exception):
        pass

    def build_network(*args, **kwargs):
        raise Built

    monkeypatch.setattr(performance, "auto_jit_compile", spy)
    monkeypatch.setattr(fit, "build_network", build_network)
    images = np.zeros((120, 28, 28), np.float32)
    labels = np.arange(120) % 10
    training = TrainingParams(epochs=3, validation_split=0.25, batch_size=32)
    with pytest.raises(Built):
        train_classifier("mlp", images, labels, training)
    assert seen == [90 * 3]


@pytest.mark.parametrize(
    "value",
    [
        {"steps_per_execution": 0},
        {"precision": "float16"},
        {"input_pipeline": "generator"},
        {"jit_compile": "yes please"},
        {"threads": 2},
    ],
)
def test_bad_values_are_rejected(value):
    with pytest.raises(ValidationError):
        PerformanceParams.model_validate(value)


def test_steps_per_execution_changes_speed_not_results():
    images, labels = separable_data(256)
    training = TrainingParams(epochs=2, batch_size=32, seed=5)
    histories = []
    for steps in (1, 8):
        _, result = train_classifier(
            "mlp", images, labels, training, levers=Levers(steps, "float32", "arrays")
        )
        histories.append(result.history)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-5)


def test_mixed_precision_and_tf_data_keep_accuracy_close():
    images, labels = separable_data(600)
    training = TrainingParams(epochs=3, batch_size=32, seed=5)
    accuracies = []
    for levers in (Levers.lab(), Levers(8, "mixed_bfloat16", "tf_data")):
        model, _ = train_classifier("mlp", images, labels, training, levers=levers)
        predicted = model.predict(images, verbose=0).argmax(axis=1)
        accuracies.append((predicted == labels).mean())
    assert accuracies[0] > 0.9
    assert abs(accuracies[0] - accuracies[1]) <= 0.03


def test_xla_keeps_the_results_and_is_what_the_model_runs_with():
    images, labels = separable_data(256)
    training = TrainingParams(epochs=2, batch_size=32, seed=5)
    histories = []
    for jit_compile in (False, True):
        model, result = train_classifier(
            "mlp",
            images,
            labels,
            training,
            levers=Levers(8, "float32", "arrays", jit_compile=jit_compile),
        )
        assert model.jit_compile is jit_compile
        assert result.levers.jit_compile is jit_compile
        histories.append(result.history)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-4)


def test_training_parameters_resolve_the_levers_of_each_network(monkeypatch):
    monkeypatch.setattr(performance, "gpu_compute_capabilities", lambda: [])
    training = TrainingParams()
    assert training.levers("mlp").jit_compile is True
    assert training.levers("cnn_bn").jit_compile is False
    mirrored = TrainingParams(distribution={"strategy": "mirrored"})
    assert mirrored.levers("mlp").jit_compile is False


@pytest.mark.parametrize(
    ("flags", "machine", "expected"),
    [
        ({"avx2", "fma"}, "x86_64", "1"),  # AMD EPYC with AVX2 only: turned on
        ({"avx512f", "avx512_bf16", "avx512_vnni"}, "x86_64", None),  # TF's own
        ({"avx512f", "amx_bf16", "amx_tile"}, "x86_64", None),  # Xeon with AMX
        ({"avx2", "avx_vnni"}, "x86_64", None),  # TF turns it on itself
        ({"sse4_2"}, "x86_64", None),  # no AVX2: left as TensorFlow has it
        ({"asimd"}, "aarch64", None),  # not x86
    ],
)
def test_onednn_is_turned_on_where_tensorflow_leaves_it_off(flags, machine, expected):
    assert performance.auto_onednn(flags, machine) == expected


def test_onednn_state_names_who_chose():
    flag = performance.ONEDNN_VARIABLE
    avx2, amx = {"avx2"}, {"amx_tile"}
    assert performance.onednn_state({flag: "1"}, avx2) == f"on ({flag}=1)"
    assert performance.onednn_state({flag: "0"}, amx) == f"off ({flag}=0)"
    assert performance.onednn_state({}, amx) == "on (TensorFlow's default here)"
    assert performance.onednn_state({}, avx2) == "off"


# A stand-in for TensorFlow: it reports the variable as TensorFlow would read
# it when it loads, and ends the process there (the real one takes seconds).
TENSORFLOW_STAND_IN = f"""
import os
print("TensorFlow loads with", repr(os.environ.get({performance.ONEDNN_VARIABLE!r})))
os._exit(0)
"""
# The project imported with the CPU's flags faked: its performance module is
# loaded first, from its file, with ``cpu_info`` replaced.
IMPORT_ON_FAKED_CPU = """
import importlib.util, sys
name, path, flags = "fashion_mnist.performance", sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location(name, path)
module = sys.modules[name] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.cpu_info = lambda: {"flags": flags}
import fashion_mnist
"""


@pytest.mark.skipif(
    platform.machine().lower() not in {"x86_64", "amd64"},
    reason="the project chooses oneDNN only on x86 CPUs",
)
@pytest.mark.parametrize(
    ("flags", "own", "wanted"),
    [
        ("fma avx2", None, "1"),  # AVX2 only: the project turns oneDNN on
        ("fma avx2 avx512_bf16", None, None),  # TensorFlow's own choice is left
        ("fma avx2", "0", "0"),  # the user's own value wins
    ],
)
def test_the_package_sets_onednn_before_tensorflow_loads(flags, own, wanted, tmp_path):
    """In a new process: ``import fashion_mnist`` applies ``auto_onednn`` to the
    CPU's flags before TensorFlow loads, and a value of the user's own wins."""
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text(TENSORFLOW_STAND_IN)
    environment = {
        k: v for k, v in os.environ.items() if k != performance.ONEDNN_VARIABLE
    }
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(tmp_path), environment.get("PYTHONPATH")])
    )
    if own is not None:
        environment[performance.ONEDNN_VARIABLE] = own
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ON_FAKED_CPU, performance.__file__, flags],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines() == [f"TensorFlow loads with {wanted!r}"]
