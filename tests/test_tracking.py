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
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline
from kedro_mlflow.config.kedro_mlflow_config import KedroMlflowConfig
from kedro_mlflow.framework.hooks import MlflowHook
from mlflow.tracking import MlflowClient

from fashion_mnist.store import absolute_sqlite_uri
from fashion_mnist.tracking import TrackingError, records_this_run
from tests.helpers import (
    NEW_GROUP,
    QUICK_MODELING,
    free_port,
    stop_group,
    wait_until_serving,
)

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


# The README's recipe, in a Python that cannot import this project: the Keras
# model as recorded in the run, by the name docs/tracking.md gives.
RELOAD = """
import sys
sys.modules["fashion_mnist"] = None
import mlflow
import numpy as np
mlflow.set_tracking_uri(sys.argv[1])
images = np.load(sys.argv[3])
model = mlflow.keras.load_model(f"runs:/{sys.argv[2]}/classifier")
generic = mlflow.pyfunc.load_model(f"runs:/{sys.argv[2]}/classifier")
np.save(sys.argv[4], model.predict(images, verbose=0).argmax(axis=1))
np.save(sys.argv[4] + ".pyfunc.npy", np.asarray(generic.predict(images)).argmax(axis=1))
"""


def test_a_modeling_run_is_recorded_and_its_model_reloads_elsewhere(
    registered_project, tmp_path
):
    # The shared project's passing run (conftest.py's QUICK_MODELING, tracking
    # on): the default network, whose batch-norm layer is the project's own.
    project = registered_project
    uri = f"sqlite:///{project / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("fashion_mnist")
    runs = client.search_runs(
        [experiment.experiment_id], order_by=["attributes.start_time ASC"]
    )
    assert [r.info.status for r in runs] == ["FAILED", "FINISHED"]
    run = runs[1]

    assert run.data.tags["pipeline"] == "modeling"
    assert run.data.tags["architecture"] == "cnn_bn"
    assert run.info.run_name == "modeling-cnn_bn"
    params = run.data.params
    assert len(params) >= 5
    assert params["training.epochs"] == str(QUICK_MODELING["training"]["epochs"])
    assert params["model.architecture"] == "cnn_bn"
    assert params["training.performance.precision"] == "auto"
    history = client.get_metric_history(run.info.run_id, "accuracy")
    assert [metric.step for metric in history] == [1, 2]  # one per epoch
    # What the run wrote to metrics.json, and what the saved model scores on the
    # run's test images, counted here.
    written = json.loads((project / "data/08_reporting/metrics.json").read_text())
    recorded = run.data.metrics["test_accuracy"]
    assert recorded == written["test_accuracy"]
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        images, labels = catalog.load("test_images"), catalog.load("test_labels")
        saved = catalog.load("classifier")
    predicted = saved.predict(images, verbose=0).argmax(axis=1)
    assert len(labels) == QUICK_MODELING["data_processing"]["sample_limit"]
    assert recorded == pytest.approx(np.mean(predicted == labels), abs=1e-9)
    figures = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
    assert figures == {
        "figures/predictions.png",
        "figures/confusion_matrix.png",
        "figures/training_curves.png",
    }
    models = {
        model.name: model
        for model in client.search_logged_models(
            [run.info.experiment_id],
            filter_string=f"source_run_id = '{run.info.run_id}'",
        )
    }
    # The Keras model, and the pictures-in model the gate let through.
    assert set(models) == {"classifier", "image_classifier"}
    model = models["classifier"]
    model_files = {a.path for a in client.list_logged_model_artifacts(model.model_id)}
    assert "MLmodel" in model_files
    assert (project / "mlruns").is_dir()  # artifacts next to the store
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)  # where get_model_info looks
    try:
        signature = mlflow.models.get_model_info(f"models:/{model.model_id}").signature
    finally:
        mlflow.set_tracking_uri(previous)
    assert signature.inputs.to_dict() == [
        {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": (-1, 28, 28)}}
    ]
    assert signature.outputs.to_dict() == [
        {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": (-1, 10)}}
    ]

    # The MLflow model, loaded in a fresh process, predicts what Kedro's does.
    images, expected = images[:200], predicted[:200]
    np.save(tmp_path / "images.npy", images)
    subprocess.run(
        [
            sys.executable,
            "-c",
            RELOAD,
            uri,
            run.info.run_id,
            str(tmp_path / "images.npy"),
            str(tmp_path / "out.npy"),
        ],
        check=True,
        timeout=300,
        # MLflow leaves each model it downloads for loading in the temporary
        # folder (mlflow/mlflow#12140): this test's own, not /tmp.
        env=os.environ | {"TMPDIR": str(tmp_path)},
    )
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy.pyfunc.npy"), expected)


def test_tracking_can_be_switched_off_for_a_run(
    project, tracking_on, monkeypatch, tmp_path
):
    monkeypatch.setenv("FASHION_MNIST_TRACKING", "off")
    monkeypatch.chdir(tmp_path)  # nor anything in the folder the run starts in
    # Every pipeline is tracked (conf/base/mlflow.yml), the quickest one will do.
    with KedroSession.create(
        project_path=project, runtime_params={"data_processing": {"sample_limit": 100}}
    ) as session:
        session.run(pipeline_names=["data_processing"])
    assert not (project / "mlflow.db").exists() and not (project / "mlruns").exists()
    assert not (tmp_path / "mlflow.db").exists()
    assert (project / "data" / "05_model_input" / "model_input.json").exists()


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
    models = client.search_logged_models(
        [run.info.experiment_id], filter_string=f"source_run_id = '{run.info.run_id}'"
    )
    assert {model.name for model in models} == {"classifier", "image_classifier"}
    for model in models:
        assert "MLmodel" in {
            a.path for a in client.list_logged_model_artifacts(model.model_id)
        }
    # The server's registry knows the champion.
    champion = client.get_model_version_by_alias("fashion_mnist_classifier", "champion")
    assert champion.run_id == run.info.run_id
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
    assert f"sqlite:///{(project / 'mlflow.db').as_posix()}" in message
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


def test_a_read_only_store_stops_the_run_with_its_name(
    project, tracking_on, monkeypatch
):
    """A store the run may read but not write. (As root a chmod does not stop
    SQLite writing, so the store is opened read-only the way SQLite itself
    offers: a ``mode=ro`` URI; SQLite's error is the one a chmod gives.)"""
    store = project / "mlflow.db"
    MlflowClient(f"sqlite:///{store}").search_experiments()  # the store exists
    before = store.read_bytes()
    uri = f"sqlite:///file:{store}?mode=ro&uri=true"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with pytest.raises(TrackingError) as info:
        _run(project)
    message = str(info.value)
    assert uri in message and "is read-only" in message
    assert not (project / "data" / "08_reporting" / "metrics.json").exists()
    assert store.read_bytes() == before


def test_kedro_mlflow_says_whether_it_records_where_the_project_reads_it():
    """``records_this_run`` reads kedro-mlflow's private flag (it has no public
    one): this fails if an upgrade renames it or changes what it means. (The
    recorded runs above show the True side: their ``pipeline`` tag is set only
    when it is True.)"""
    hook = MlflowHook()
    hook.mlflow_config = KedroMlflowConfig.model_validate(
        {"tracking": {"disable_tracking": {"pipelines": ["tuning"]}}}
    )
    hook.before_pipeline_run(
        {"pipeline_names": ["tuning"]}, Pipeline([]), DataCatalog()
    )
    assert records_this_run(hook) is False


def test_relative_sqlite_paths_are_taken_from_the_project(tmp_path):
    assert (
        absolute_sqlite_uri("sqlite:///mlflow.db", tmp_path)
        == f"sqlite:///{tmp_path.as_posix()}/mlflow.db"
    )
    assert absolute_sqlite_uri("sqlite:////abs/m.db", tmp_path) == "sqlite:////abs/m.db"
    assert absolute_sqlite_uri("http://host:5000", tmp_path) == "http://host:5000"
    read_only = "sqlite:///file:/abs/m.db?mode=ro&uri=true"
    assert absolute_sqlite_uri(read_only, tmp_path) == read_only


def test_cross_validation_and_benchmarking_record_what_the_docs_list(
    project, tracking_on
):
    cross_validation = {
        "data_processing": {"sample_limit": 300},
        "cross_validation": {"folds": 3, "epochs": 1, "architectures": ["mlp"]},
    }
    benchmark = {
        "data_processing": {"sample_limit": 300},
        "benchmark": {
            "batch_sizes": [300],
            "use_multiprocessing": [False],
            "include_arrays": False,
            "repeats": 1,
            "warmup_steps": 1,
            "speed": {"architectures": ["mlp"], "repeats": 1},
        },
    }
    for pipeline, params in (
        ("cross_validation", cross_validation),
        ("benchmarking", benchmark),
    ):
        with KedroSession.create(
            project_path=project, runtime_params=params
        ) as session:
            session.run(pipeline_names=[pipeline])

    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("fashion_mnist")
    runs = {
        run.data.tags["pipeline"]: run
        for run in client.search_runs([experiment.experiment_id])
    }
    assert set(runs) == {"cross_validation", "benchmarking"}

    folds = runs["cross_validation"]
    assert folds.data.params["cross_validation.folds"] == "3"
    history = client.get_metric_history(folds.info.run_id, "mlp.fold_accuracy")
    assert [metric.step for metric in history] == [1, 2, 3]
    sheet = pd.read_excel(
        project / "data/08_reporting/cross_validation.xlsx", sheet_name="folds"
    )
    assert [m.value for m in history] == pytest.approx(list(sheet["accuracy"]))
    assert folds.data.metrics["mlp.mean_accuracy"] == pytest.approx(
        sheet["accuracy"].mean()
    )
    assert folds.data.metrics["mlp.std_accuracy"] == pytest.approx(
        sheet["accuracy"].std()
    )
    assert {a.path for a in client.list_artifacts(folds.info.run_id)} == {
        "cross_validation.xlsx",
        "cross_validation.png",
        "cross_validation_time.png",
    }

    timed = runs["benchmarking"]
    assert timed.data.params["benchmark.batch_sizes"] == "[300]"
    assert {a.path for a in client.list_artifacts(timed.info.run_id)} == {
        "benchmark_timings.csv",
        "benchmark.xlsx",
        "benchmark.png",
        "training_speed.png",
    }
