"""Experiment tracking: real runs recorded into the embedded SQLite store and
into a real MLflow server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import mlflow
import numpy as np
import pytest
from kedro.framework.session import KedroSession
from mlflow.tracking import MlflowClient

from fashion_mnist.tracking import TrackingError, absolute_sqlite_uri
from tests.helpers import NEW_GROUP, free_port, stop_group, wait_until_serving

QUICK = {
    "data_processing": {"sample_limit": 1000},
    "model": {"architecture": "mlp"},
    "training": {"epochs": 2},
    "accuracy_check": {"threshold": 0.5},
}


@pytest.fixture
def tracking_on(monkeypatch):
    """Tracking is off in the other tests (it costs seconds per session)."""
    monkeypatch.delenv("FASHION_MNIST_TRACKING", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def _run(project, runtime_params=QUICK):
    with KedroSession.create(
        project_path=project, runtime_params=runtime_params
    ) as session:
        session.run(pipeline_names=["modeling"])


def _only_run(uri: str):
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("fashion_mnist")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    return client, runs[0]


RELOAD = """
import sys
import fashion_mnist  # registers the project's batch-norm layer with Keras
import mlflow
import numpy as np
mlflow.set_tracking_uri(sys.argv[1])
images = np.load(sys.argv[3])
model = mlflow.keras.load_model(f"models:/{sys.argv[2]}")
np.save(sys.argv[4], model.predict(images, verbose=0).argmax(axis=1))
"""


def test_a_modeling_run_is_recorded_and_its_model_reloads_elsewhere(
    project, tracking_on, tmp_path
):
    # The default network (its batch-norm layer is the project's own), gate off:
    # two epochs on 1,000 images say nothing about accuracy.
    _run(
        project,
        {
            **QUICK,
            "model": {"architecture": "cnn_bn"},
            "accuracy_check": {"threshold": 0.0},
        },
    )
    uri = f"sqlite:///{project / 'mlflow.db'}"
    client, run = _only_run(uri)

    assert run.info.status == "FINISHED"
    assert run.data.tags["pipeline"] == "modeling"
    assert run.data.tags["architecture"] == "cnn_bn"
    assert run.info.run_name == "modeling-cnn_bn"
    params = run.data.params
    assert len(params) >= 5
    assert params["training.epochs"] == "2"
    assert params["model.architecture"] == "cnn_bn"
    assert params["training.performance.precision"] == "auto"
    history = client.get_metric_history(run.info.run_id, "accuracy")
    assert [metric.step for metric in history] == [1, 2]
    # What the run wrote to metrics.json; better than chance (10 classes) after
    # 16 steps of the default network, far from its full-data accuracy.
    written = json.loads((project / "data/08_reporting/metrics.json").read_text())
    recorded = run.data.metrics["test_accuracy"]
    assert recorded == pytest.approx(written["test_accuracy"], abs=5e-5)
    assert 0.1 < recorded <= 1
    figures = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
    assert figures == {
        "figures/predictions.png",
        "figures/confusion_matrix.png",
        "figures/training_curves.png",
    }
    (model,) = client.search_logged_models(
        [run.info.experiment_id], filter_string=f"source_run_id = '{run.info.run_id}'"
    )
    assert model.name == "classifier"
    model_files = {a.path for a in client.list_logged_model_artifacts(model.model_id)}
    assert "MLmodel" in model_files
    assert (project / "mlruns").is_dir()  # artifacts next to the store
    signature = mlflow.models.get_model_info(f"models:/{model.model_id}").signature
    assert signature.inputs.to_dict() == [
        {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": (-1, 28, 28)}}
    ]
    assert signature.outputs.to_dict() == [
        {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": (-1, 10)}}
    ]

    # The MLflow model, loaded in a fresh process, predicts what Kedro's does.
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        images = catalog.load("test_images")[:200]
        expected = catalog.load("classifier").predict(images, verbose=0).argmax(axis=1)
    np.save(tmp_path / "images.npy", images)
    subprocess.run(
        [
            sys.executable,
            "-c",
            RELOAD,
            uri,
            model.model_id,
            str(tmp_path / "images.npy"),
            str(tmp_path / "out.npy"),
        ],
        check=True,
        timeout=300,
    )
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)


def test_tracking_can_be_switched_off_for_a_run(
    project, tracking_on, monkeypatch, tmp_path
):
    monkeypatch.setenv("FASHION_MNIST_TRACKING", "off")
    monkeypatch.chdir(tmp_path)  # nor anything in the folder the run starts in
    _run(project)
    assert not (project / "mlflow.db").exists() and not (project / "mlruns").exists()
    assert not (tmp_path / "mlflow.db").exists()
    assert (project / "data" / "08_reporting" / "metrics.json").exists()


@pytest.fixture
def mlflow_server(tmp_path):
    """A real `mlflow server` on a free port of 127.0.0.1, in its own process
    group, stopped afterwards."""
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--artifacts-destination",
            str(tmp_path / "server-artifacts"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        **NEW_GROUP,
        env=os.environ | {"MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/health", process, tmp_path / "server.log", 120)
        yield url
    finally:
        stop_group(process)
        log.close()


def test_runs_are_recorded_into_a_shared_tracking_server(
    project, tracking_on, monkeypatch, mlflow_server
):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    _run(project)
    client, run = _only_run(mlflow_server)
    assert run.data.params["training.epochs"] == "2"
    assert "test_accuracy" in run.data.metrics
    (model,) = client.search_logged_models(
        [run.info.experiment_id], filter_string=f"source_run_id = '{run.info.run_id}'"
    )
    assert "MLmodel" in {
        a.path for a in client.list_logged_model_artifacts(model.model_id)
    }
    assert not (project / "mlflow.db").exists()  # nothing recorded locally


def test_an_unreachable_server_keeps_the_outputs_and_names_the_uri(
    project, tracking_on, monkeypatch
):
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with pytest.raises(TrackingError) as info:
        _run(project)
    message = str(info.value)
    assert uri in message and "unset MLFLOW_TRACKING_URI" in message
    assert "sqlite:///mlflow.db" in message
    reports = project / "data" / "08_reporting"
    assert (reports / "metrics.json").exists() and (
        reports / "predictions.png"
    ).exists()


def test_a_locked_store_stops_the_run_with_its_name(project, tracking_on):
    store = project / "mlflow.db"
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("CREATE TABLE other_program (x)")
    holder.execute("BEGIN EXCLUSIVE")  # as another program writing to it
    try:
        with pytest.raises(TrackingError) as info:
            _run(project)
    finally:
        holder.rollback()
        holder.close()
    message = str(info.value)
    assert str(store) in message and "locked" in message


def test_relative_sqlite_paths_are_taken_from_the_project(tmp_path):
    assert (
        absolute_sqlite_uri("sqlite:///mlflow.db", tmp_path)
        == f"sqlite:///{tmp_path.as_posix()}/mlflow.db"
    )
    assert absolute_sqlite_uri("sqlite:////abs/m.db", tmp_path) == "sqlite:////abs/m.db"
    assert absolute_sqlite_uri("http://host:5000", tmp_path) == "http://host:5000"
