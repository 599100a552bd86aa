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
import shutil  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from filelock import FileLock  # noqa: E402
from kedro.framework.session import KedroSession  # noqa: E402
from kedro.framework.startup import bootstrap_project  # noqa: E402

from tests.helpers import (  # noqa: E402
    PROJECT_ROOT,
    QUICK_MODELING,
    make_project_copy,
)


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


def _made_once(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    make: Callable[[Path], None],
) -> Path:
    """``name``'s folder, made by ``make(folder)`` once for the whole test run.

    pytest-xdist gives each worker process its own session fixtures; this one is
    shared: the first worker to ask makes it while the others wait on a file
    lock, then all read the same folder (pytest-xdist's documented recipe).
    The tests that share such a folder only read it. A failed ``make`` leaves
    no mark, so the next worker tries again (and fails with its own error).
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    folder, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with FileLock(root / f"shared-{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def real_raw_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four real Fashion-MNIST files, fetched once through the project's catalog."""
    return _made_once(tmp_path_factory, "raw", _fetch_raw_data) / "fashion-mnist"


def _fetch_raw_data(folder: Path) -> None:
    project = make_project_copy(folder / "project")
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
    shutil.move(project / "data" / "01_raw" / "fashion-mnist", folder)


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


@pytest.fixture(scope="session")
def registered_project(
    tmp_path_factory: pytest.TempPathFactory, real_raw_data: Path
) -> Path:
    """A project after a failed (``mlp``) and a passing (``cnn_bn``) quick
    modeling run with tracking on (one registered version, the champion), 20
    sample photos in data/01_raw/new_images and the inference pipeline's
    answers for them in data/07_model_output/new_image_predictions.csv. Made
    once for all test processes: the tests that use it only read it."""
    return (
        _made_once(
            tmp_path_factory,
            "registered",
            functools.partial(_register_quick_models, raw_data=real_raw_data),
        )
        / "project"
    )


def _register_quick_models(folder: Path, raw_data: Path) -> None:
    from fashion_mnist.pipelines.modeling.nodes import (  # noqa: PLC0415
        AccuracyBelowThresholdError,
    )
    from fashion_mnist.samples import write_sample_photos  # noqa: PLC0415

    project = make_project_copy(folder / "project", raw_data=raw_data)
    bootstrap_project(project)
    saved = {
        k: os.environ.pop(k, None)
        for k in ("FASHION_MNIST_TRACKING", "MLFLOW_TRACKING_URI")
    }
    try:
        # The first run fails the gate, so it registers nothing: the quick mlp
        # (the tests read only its status); the second, the default network.
        for architecture, threshold in (("mlp", 1.0), ("cnn_bn", 0.0)):
            params = {
                **QUICK_MODELING,
                "model": {"architecture": architecture},
                "accuracy_check": {"threshold": threshold},
            }
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The full-data training run first: it is the longest (see
    tests/test_full_data_run.py)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True, scope="session")
def _bootstrap() -> None:
    bootstrap_project(PROJECT_ROOT)
