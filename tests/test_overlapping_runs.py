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

import pytest
from kedro_datasets.pickle import PickleDataset

# A modeling run on 5,000 images (a quick network and one epoch), and a
# data_processing run on 1,000, which rewrites the same model-input files.
MODELING = [
    "--pipelines",
    "modeling",
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


def _start(project, args):
    return subprocess.Popen(
        [sys.executable, "-m", "kedro", "run", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"COLUMNS": "250"},
    )


def _finish(process, timeout=300):
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def _no_partial_files(project):
    return sorted(str(p) for p in (project / "data").rglob("*.part"))


def test_overlapping_runs_all_succeed_with_readable_outputs(project):
    """Each round starts data_processing a little later into a modeling run; both
    write the model-input pickles. Every run succeeds, every file reads back,
    and the modeling run trains on its own arrays, not the other run's."""
    inputs = project / "data" / "05_model_input"
    for delay in (0.5, 3.0):
        modeling = _start(project, MODELING)
        time.sleep(delay)
        processing = _start(project, PROCESSING)
        code, output = _finish(processing)
        assert code == 0, output
        code, output = _finish(modeling)
        assert code == 0, output
        for name in ("train_images", "train_labels", "test_images", "test_labels"):
            with (inputs / f"{name}.pkl").open("rb") as file:
                array = pickle.load(file)
            assert len(array) in (1000, 5000)  # one run's or the other's, whole
        json.loads((inputs / "model_input.json").read_text())
        metrics = json.loads(
            (project / "data" / "08_reporting" / "metrics.json").read_text()
        )
        assert metrics["training_samples"] == 5_000
        assert metrics["test_samples"] == 5_000
        assert _no_partial_files(project) == []
    versions = list((project / "data" / "06_models" / "classifier.keras").iterdir())
    assert len(versions) == 2  # one model folder per run, none overwritten


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_a_run_stopped_while_saving_leaves_the_previous_file(project):
    target = project / "data" / "05_model_input" / "train_images.pkl"
    PickleDataset(filepath=str(target)).save(list(range(1000)))  # a previous run's
    before = _sha256(target)

    # All 60,000 images: a 188 MB pickle, long enough to stop the run mid-save.
    run = _start(project, ["--pipelines", "data_processing"])
    deadline = time.monotonic() + 120
    while not list(target.parent.glob(".train_images.pkl.*.part")):
        assert run.poll() is None, "the run ended before it saved train_images.pkl"
        assert time.monotonic() < deadline, "the save never started"
        time.sleep(0.005)
    run.send_signal(signal.SIGTERM)
    code, output = _finish(run, timeout=60)

    assert code != 0
    assert "Received SIGTERM: stopping; a file being written is discarded" in output
    assert _sha256(target) == before  # the previous file, untouched
    assert _no_partial_files(project) == []  # and no temporary file left
