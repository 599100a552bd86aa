"""Fixtures shared by all tests."""

from __future__ import annotations

import os

# Before anything imports Kedro or TensorFlow.
os.environ["KEDRO_DISABLE_TELEMETRY"] = "true"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"
# Experiment tracking costs seconds per Kedro session (a new SQLite store per
# project copy); tests/test_tracking.py switches it on where it is the subject.
os.environ["FASHION_MNIST_TRACKING"] = "off"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import functools  # noqa: E402
import threading  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from kedro.framework.session import KedroSession  # noqa: E402
from kedro.framework.startup import bootstrap_project  # noqa: E402

from tests.helpers import PROJECT_ROOT, make_project_copy  # noqa: E402


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on 127.0.0.1 serving a temporary folder.

    Yields the folder and the server's base URL.
    """
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def real_raw_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four real Fashion-MNIST files, fetched once through the project's catalog."""
    project = make_project_copy(tmp_path_factory.mktemp("raw") / "project")
    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        for name in (
            "raw_train_images",
            "raw_train_labels",
            "raw_test_images",
            "raw_test_labels",
        ):
            catalog.load(name)
    return project / "data" / "01_raw" / "fashion-mnist"


@pytest.fixture
def project(tmp_path: Path, real_raw_data: Path) -> Path:
    """An isolated copy of the project (conf and data tree) with the real raw data."""
    path = make_project_copy(tmp_path / "project", raw_data=real_raw_data)
    bootstrap_project(path)
    return path


@pytest.fixture(scope="session")
def trained_project(
    tmp_path_factory: pytest.TempPathFactory, real_raw_data: Path
) -> Path:
    """A project copy after one full default ``kedro run``: data_processing, then
    modeling with the defaults (the default network, all 60,000 images). Takes minutes,
    so it runs once and its model is shared by the tests that need a trained one."""
    path = make_project_copy(
        tmp_path_factory.mktemp("trained") / "project", raw_data=real_raw_data
    )
    bootstrap_project(path)
    with KedroSession.create(project_path=path) as session:
        session.run()
    return path


# The default network (batch norm), one epoch on 2,000 images: what it answers
# does not matter to the tests that share it, only that every way in gives the
# same answer.
QUICK_MODELING = {
    "data_processing": {"sample_limit": 2000},
    "training": {"epochs": 1},
}


@pytest.fixture(scope="session")
def registered_project(
    tmp_path_factory: pytest.TempPathFactory, real_raw_data: Path
) -> Path:
    """A project after a failed and a passing quick modeling run with tracking
    on (one registered version, the champion), 20 sample photos in
    data/01_raw/new_images and the inference pipeline's answers for them in
    data/07_model_output/new_image_predictions.csv."""
    from fashion_mnist.pipelines.modeling.nodes import (  # noqa: PLC0415
        AccuracyBelowThresholdError,
    )
    from fashion_mnist.samples import write_sample_photos  # noqa: PLC0415

    project = make_project_copy(
        tmp_path_factory.mktemp("registered") / "project", raw_data=real_raw_data
    )
    bootstrap_project(project)
    saved = {
        k: os.environ.pop(k, None)
        for k in ("FASHION_MNIST_TRACKING", "MLFLOW_TRACKING_URI")
    }
    try:
        for threshold in (1.0, 0.0):  # the first run fails the gate
            params = {**QUICK_MODELING, "accuracy_check": {"threshold": threshold}}
            with KedroSession.create(
                project_path=project, runtime_params=params
            ) as session:
                try:
                    session.run(pipeline_names=["modeling"])
                except AccuracyBelowThresholdError:
                    assert threshold == 1.0
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        images, labels = (
            catalog.load("raw_test_images"),
            catalog.load("raw_test_labels"),
        )
    write_sample_photos(images, labels, project / "data/01_raw/new_images", count=20)
    with KedroSession.create(project_path=project) as session:
        session.run(pipeline_names=["inference"])
    return project


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The full-data training run first: it is the longest (see
    tests/test_full_data_run.py)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True, scope="session")
def _bootstrap() -> None:
    bootstrap_project(PROJECT_ROOT)
