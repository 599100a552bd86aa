"""Two runs at once in one project, and a run stopped while it saves."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from kedro_datasets.pickle import PickleDataset

from fashion_mnist.datasets import IDXDataset
from tests.helpers import barrier_env, inside_barrier

# A modeling run on 5,000 images (a quick network and one epoch) up to its
# metrics (the figures, the ONNX file and the gate after them write other
# files), and a data_processing run on 1,000, which rewrites the same
# model-input files.
MODELING = [
    "--pipelines",
    "modeling",
    "--to-nodes",
    "modeling.report_metrics",
    "--params",
    "data_processing.sample_limit=5000,model.architecture=mlp,training.epochs=1,"
    "training.batch_size=512,accuracy_check.threshold=0.5",
]
PROCESSING = [
    "--pipelines",
    "data_processing",
    "--params",
    "data_processing.sample_limit=1000",
]


def _start(project, args, env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "kedro", "run", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"COLUMNS": "250"} | (env or {}),
    )


def _finish(process, timeout=300):
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def _no_partial_files(project):
    return sorted(str(p) for p in (project / "data").rglob("*.part"))


def _scaled(raw_folder, name, count):
    dataset = IDXDataset(filepath=str(raw_folder / name))
    array = dataset.load()[:count]
    return array.astype(np.float32) / np.float32(255) if array.ndim == 3 else array


def test_overlapping_runs_all_succeed_with_readable_outputs(project, tmp_path):
    """A modeling run (5,000 images) and a data_processing run (1,000) write
    the same model-input pickles, inside the same save at once. Both succeed,
    each file is one run's whole array, and the modeling run trains on its
    own arrays, not the other run's."""
    # Each run, with a whole temporary file written, waits inside its first
    # save until the other run is inside one too; then both publish.
    env = barrier_env(tmp_path, "fashion_mnist.datasets.atomic", "_publish")
    modeling = _start(project, MODELING, env)
    processing = _start(project, PROCESSING, env)
    code, output = _finish(processing)
    assert code == 0, output
    code, output = _finish(modeling)
    assert code == 0, output

    assert inside_barrier(tmp_path) == 2  # both were inside a save at the same time
    raw = project / "data" / "01_raw" / "fashion-mnist"
    inputs = project / "data" / "05_model_input"
    files = {
        "train_images": "train-images-idx3-ubyte.gz",
        "train_labels": "train-labels-idx1-ubyte.gz",
        "test_images": "t10k-images-idx3-ubyte.gz",
        "test_labels": "t10k-labels-idx1-ubyte.gz",
    }
    for name, raw_name in files.items():
        with (inputs / f"{name}.pkl").open("rb") as file:
            array = pickle.load(file)
        # Exactly the first 1,000 or the first 5,000 images, whole.
        count = len(array)
        assert count in (1000, 5000), name
        np.testing.assert_array_equal(array, _scaled(raw, raw_name, count))
    manifest = json.loads((inputs / "model_input.json").read_text())
    assert manifest["parameters"]["data_processing.sample_limit"] in (1000, 5000)
    assert (
        manifest["train_samples"]
        == manifest["parameters"]["data_processing.sample_limit"]
    )
    metrics = json.loads(
        (project / "data" / "08_reporting" / "metrics.json").read_text()
    )
    assert metrics["training_samples"] == 5_000
    assert metrics["test_samples"] == 5_000
    assert _no_partial_files(project) == []


def test_two_overlapping_training_runs_keep_two_models(project, tmp_path):
    """Two modeling runs (other seeds) save their models at the same moment:
    both succeed and data/06_models keeps two versions, each a whole model,
    one per run."""
    # Each run waits inside the save of its model file until the other is too.
    env = barrier_env(
        tmp_path, "fashion_mnist.datasets.atomic", "_publish", match="classifier.keras"
    )
    first = _start(project, _with(MODELING, "training.seed=1"), env)
    second = _start(project, _with(MODELING, "training.seed=2"), env)
    for run in (first, second):
        code, output = _finish(run)
        assert code == 0, output

    assert inside_barrier(tmp_path) == 2  # both were inside the model's save at once
    versions = sorted((project / "data" / "06_models" / "classifier.keras").iterdir())
    assert len(versions) == 2, versions
    images = _scaled(
        project / "data" / "01_raw" / "fashion-mnist", "t10k-images-idx3-ubyte.gz", 50
    )
    predictions = [
        keras.saving.load_model(v / "classifier.keras", safe_mode=True).predict(
            images, verbose=0
        )
        for v in versions
    ]
    # Two models, not one written twice: the seeds gave other weights.
    assert not np.allclose(predictions[0], predictions[1], atol=1e-4)
    assert _no_partial_files(project) == []


def _with(args, extra):
    """``args`` (ending in a --params value) with one more parameter."""
    return [*args[:-1], f"{args[-1]},{extra}"]


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_a_run_stopped_while_saving_leaves_the_previous_file(project):
    target = project / "data" / "05_model_input" / "train_images.pkl"
    PickleDataset(filepath=str(target)).save(list(range(1000)))  # a previous run's
    before = _sha256(target)

    # A barrier for two holds the run inside the save of train_images.pkl: its
    # temporary file complete, not yet renamed onto the target.
    hold = project.parent / "hold"
    run = _start(
        project,
        ["--pipelines", "data_processing"],
        env=barrier_env(
            hold, "fashion_mnist.datasets.atomic", "_publish", match="train_images.pkl"
        ),
    )
    deadline = time.monotonic() + 120
    while inside_barrier(hold) < 1:
        assert run.poll() is None, "the run ended before it saved train_images.pkl"
        assert time.monotonic() < deadline, "the save never started"
        time.sleep(0.05)
    assert list(target.parent.glob(".train_images.pkl.*.part"))
    run.send_signal(signal.SIGTERM)
    code, output = _finish(run, timeout=60)

    assert code != 0
    assert "Received SIGTERM: stopping as Ctrl-C does" in output
    assert _sha256(target) == before  # the previous file, untouched
    assert _no_partial_files(project) == []  # and no temporary file left
