"""Training under tf.distribute: MirroredStrategy on a split CPU, and two
MultiWorkerMirroredStrategy workers on 127.0.0.1, as real `kedro run`s."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import keras
import pytest
from pydantic import ValidationError

from fashion_mnist.distribution import DistributionParams, is_chief, is_helper_worker
from fashion_mnist.hooks import HelperWorkerHooks
from tests.helpers import NEW_GROUP, free_port, kedro_run, stop_group

QUICK = (
    "data_processing.sample_limit=2000,model.architecture=mlp,training.epochs=2,"
    "accuracy_check.threshold=0.5"
)


@pytest.mark.parametrize(
    ("config", "chief"),
    [
        (None, True),  # one process alone
        (
            {
                "cluster": {"worker": ["a:1", "b:2"]},
                "task": {"type": "worker", "index": 0},
            },
            True,
        ),
        (
            {
                "cluster": {"worker": ["a:1", "b:2"]},
                "task": {"type": "worker", "index": 1},
            },
            False,
        ),
        (
            {
                "cluster": {"chief": ["a:1"], "worker": ["b:2"]},
                "task": {"type": "chief", "index": 0},
            },
            True,
        ),
        # Worker 0 of a cluster that has a chief is not the chief.
        (
            {
                "cluster": {"chief": ["a:1"], "worker": ["b:2"]},
                "task": {"type": "worker", "index": 0},
            },
            False,
        ),
        (
            {
                "cluster": {"chief": ["a:1"], "worker": ["b:2", "c:3"]},
                "task": {"type": "worker", "index": 1},
            },
            False,
        ),
    ],
)
def test_the_chief_is_named_by_tf_config(monkeypatch, config, chief):
    if config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert is_chief() == chief
    training = {"distribution": {"strategy": "multi_worker"}}
    assert is_helper_worker(training) == (not chief)
    assert not is_helper_worker({"distribution": {"strategy": "mirrored"}})


@pytest.mark.parametrize(
    "value", [{"strategy": "horovod"}, {"cpu_replicas": 0}, {"replicas": 2}]
)
def test_bad_distribution_parameters_are_rejected(value):
    with pytest.raises(ValidationError):
        DistributionParams.model_validate(value)


def _saved_model(project):
    (path,) = (project / "data" / "06_models" / "classifier.keras").glob(
        "*/classifier.keras"
    )
    return path


def test_mirrored_on_two_cpu_replicas_trains_and_saves_a_normal_model(project):
    code, output = kedro_run(
        project,
        "--pipelines",
        "modeling",
        "--params",
        f"{QUICK},training.distribution.strategy=mirrored,"
        "training.distribution.cpu_replicas=2,training.performance.jit_compile=true",
    )
    assert code == 0, output[-3000:]
    assert (
        "Training with MirroredStrategy on 2 replicas (global batch 64, 32 per replica)"
        in output
    )
    metrics = json.loads(
        (project / "data" / "08_reporting" / "metrics.json").read_text()
    )
    assert metrics["distribution"] == {"strategy": "mirrored", "replicas": 2}
    # No XLA, even asked for, and one step per call there.
    assert "jit_compile off under tf.distribute" in output
    assert metrics["performance"]["jit_compile"] is False
    assert metrics["performance"]["steps_per_execution"] == 1
    assert metrics["test_accuracy"] >= 0.5
    model = keras.models.load_model(_saved_model(project), safe_mode=True)
    assert model.name == "mlp" and model.count_params() == 407_050


TWO_WORKERS = {"worker": 2}
CHIEF_AND_TWO_WORKERS = {"chief": 1, "worker": 2}


def _worker(index: int) -> str:
    return json.dumps(
        {
            "cluster": {"worker": ["a:1", "b:2"]},
            "task": {"type": "worker", "index": index},
        }
    )


@pytest.mark.parametrize("ending", ["after_pipeline_run", "on_pipeline_error"])
def test_a_helper_workers_folder_is_removed_when_its_run_ends(
    monkeypatch, tmp_path, ending
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    metrics = {"type": "json.JSONDataset", "filepath": "data/08_reporting/m.json"}
    params = {"training": {"distribution": {"strategy": "multi_worker"}}}
    # Worker 0, the chief, writes into the project: nothing moved, nothing made.
    monkeypatch.setenv("TF_CONFIG", _worker(0))
    chief = SimpleNamespace(params=params, config_loader={"catalog": {"m": metrics}})
    HelperWorkerHooks().after_context_created(chief)
    assert chief.config_loader["catalog"]["m"] == metrics
    assert list(tmp_path.iterdir()) == []
    # Worker 1 writes into a folder of its own...
    monkeypatch.setenv("TF_CONFIG", _worker(1))
    helper = SimpleNamespace(params=params, config_loader={"catalog": {"m": metrics}})
    hooks = HelperWorkerHooks()
    hooks.after_context_created(helper)
    written = Path(helper.config_loader["catalog"]["m"]["filepath"])
    folder = written.parents[1]
    assert folder.parent == tmp_path
    assert folder.name.startswith("fashion-mnist-worker-1-")
    written.parent.mkdir()
    written.write_text("{}")  # as the run would
    # ...that goes when the run ends, whether it succeeded or failed.
    getattr(hooks, ending)()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # several training processes: the full tier (mirrored stays quick)
@pytest.mark.parametrize(
    "jobs", [TWO_WORKERS, CHIEF_AND_TWO_WORKERS], ids=["two-workers", "chief"]
)
def test_workers_train_together_and_exactly_one_process_writes(project, jobs):
    tasks = [(kind, index) for kind, count in jobs.items() for index in range(count)]
    cluster = {
        kind: [f"127.0.0.1:{free_port()}" for _ in range(count)]
        for kind, count in jobs.items()
    }
    processes = []
    try:
        for kind, index in tasks:
            tf_config = json.dumps(
                {"cluster": cluster, "task": {"type": kind, "index": index}}
            )
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "kedro",
                        "run",
                        "--pipelines",
                        "modeling",
                        "--params",
                        f"{QUICK},training.distribution.strategy=multi_worker",
                    ],
                    cwd=project,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    **NEW_GROUP,
                    env=os.environ | {"TF_CONFIG": tf_config, "COLUMNS": "250"},
                )
            )
        outputs = [process.communicate(timeout=400)[0] for process in processes]
    finally:
        for process in processes:
            stop_group(process, grace=0)
    replicas = len(tasks)
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output[-6000:]
        assert (
            f"Training with MultiWorkerMirroredStrategy on {replicas} replicas"
            in output
        )
    # The chief, or worker 0 where the cluster has no chief, writes into the
    # project; every other process writes elsewhere and says so.
    helper_line = r"Worker \d+ of the cluster: this run's outputs go to (\S+)"
    helpers = [re.search(helper_line, output) for output in outputs]
    assert [bool(found) for found in helpers] == [False] + [True] * (replicas - 1)
    # ...and that folder is gone once the run is over.
    for found in helpers[1:]:
        assert not Path(found.group(1)).exists(), found.group(1)
    metrics = json.loads(
        (project / "data" / "08_reporting" / "metrics.json").read_text()
    )
    assert metrics["distribution"] == {"strategy": "multi_worker", "replicas": replicas}
    versions = list((project / "data" / "06_models" / "classifier.keras").iterdir())
    assert len(versions) == 1, versions
    assert keras.models.load_model(_saved_model(project), safe_mode=True).name == "mlp"


@pytest.mark.parametrize(
    ("gpus", "split"), [([], [2]), (["/physical_device:GPU:0"], [])]
)
def test_cpu_replicas_split_the_cpu_only_where_there_is_no_gpu(
    monkeypatch, gpus, split
):
    """The machine faked through TensorFlow's own device listing: with a GPU,
    ``cpu_replicas`` is ignored and the mirrored strategy takes the GPUs."""
    import tensorflow as tf  # noqa: PLC0415

    from fashion_mnist import distribution  # noqa: PLC0415

    listed = tf.config.list_physical_devices
    monkeypatch.setattr(
        tf.config,
        "list_physical_devices",
        lambda kind=None: gpus if kind == "GPU" else listed(kind),
    )
    splits, strategies = [], []
    monkeypatch.setattr(
        distribution, "split_cpu", lambda n: splits.append(n) or ["/cpu:0", "/cpu:1"]
    )
    monkeypatch.setattr(
        tf.distribute,
        "MirroredStrategy",
        lambda devices=None: strategies.append(devices),
    )
    params = DistributionParams(strategy="mirrored", cpu_replicas=2)
    distribution.make_strategy(params)
    assert splits == split
    assert strategies == [["/cpu:0", "/cpu:1"] if split else None]
