"""Helpers shared by the tests (importable as ``tests.helpers``)."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The IDX type code of each dtype, written independently of the code under test.
_TYPE_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


# The default network (batch norm), two epochs on 2,000 images: what it answers
# does not matter to the tests that share it, only that every way in gives the
# same answer (two epochs: the tracked history has a step per epoch).
QUICK_MODELING = {
    "data_processing": {"sample_limit": 2000},
    "training": {"epochs": 2},
}


def idx_bytes(array: np.ndarray) -> bytes:
    """The bytes of an IDX file holding ``array`` (big-endian, as the format says)."""
    kind = array.dtype.kind + str(array.dtype.itemsize)
    header = struct.pack(">HBB", 0, _TYPE_CODES[kind], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed when ``compress``."""
    data = idx_bytes(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, compresslevel=1) if compress else data)
    return path


def make_project_copy(target: Path, raw_data: Path | None = None) -> Path:
    """Copy the project's configuration into ``target`` for an isolated Kedro run.

    The package is the installed one (``pip install -e .``); ``conf/``, ``pyproject.toml``
    and an empty ``data/`` tree are copied, so a run writes nothing into the checkout.
    ``raw_data``, when given, is copied into ``data/01_raw/fashion-mnist``.
    """
    shutil.copytree(PROJECT_ROOT / "conf" / "base", target / "conf" / "base")
    shutil.copy(PROJECT_ROOT / "conf" / "logging.yml", target / "conf" / "logging.yml")
    (target / "conf" / "local").mkdir()
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(PROJECT_ROOT / name, target / name)
    (target / "src").mkdir()  # bootstrap_project wants it; the package is installed
    for layer in (PROJECT_ROOT / "data").iterdir():
        if layer.is_dir():
            (target / "data" / layer.name).mkdir(parents=True)
    if raw_data is not None:
        shutil.copytree(raw_data, target / "data" / "01_raw" / "fashion-mnist")
    return target


def kedro_run(project: Path, *args: str) -> tuple[int, str]:
    """Run ``kedro run ARGS`` in ``project`` as a user would; return the exit code
    and everything it printed (wide lines, so messages are not wrapped)."""
    result = subprocess.run(
        [sys.executable, "-m", "kedro", "run", *args],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ | {"COLUMNS": "250"},
    )
    return result.returncode, result.stdout + result.stderr


def separable_data(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` small images a model can learn in a few steps: class k has a
    bright row 2k + 4 on faint noise. float32 in [0, 1] and uint8 labels, as
    data_processing hands them to modeling."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(count) % 10).astype(np.uint8)
    rng.shuffle(labels)
    images = rng.uniform(0, 0.2, size=(count, 28, 28)).astype(np.float32)
    images[np.arange(count), labels.astype(int) * 2 + 4, :] = 1.0
    return images, labels


def free_port() -> int:
    """A free TCP port on 127.0.0.1 below 49152 (kedro-viz refuses the
    ephemeral range above it)."""
    for port in random.sample(range(20_000, 40_000), 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free TCP port between 20000 and 40000")


# A process and its children as one group, so a test can stop all of them
# (`kedro viz run` and `mlflow server` start children that hold the port).
# POSIX: a new session, stopped with killpg; Windows: a new process group,
# stopped with taskkill /T (the whole tree).
NEW_GROUP: dict = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    if sys.platform == "win32"
    else {"start_new_session": True}
)


def stop_group(process: subprocess.Popen, grace: float = 30) -> None:
    """Stop a process started with ``NEW_GROUP`` and everything it started:
    politely, then by force after ``grace`` seconds."""
    if process.poll() is not None:
        return
    if sys.platform == "win32":
        subprocess.run(
            ["taskkill", "/T", "/F", "/PID", str(process.pid)],
            capture_output=True,
            check=False,
        )
        process.wait()
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until_serving(
    url: str, process: subprocess.Popen, log: Path, timeout: float
) -> None:
    """Wait until ``url`` answers, or fail the test with the server's ``log``
    when the process exits or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{url} did not start answering:\n{log.read_text()}")
            time.sleep(0.5)


# The machine's own settings for reaching package indexes (certificates,
# proxies, pip's and uv's configuration): a receiver of the model has them too.
_NETWORK_SETTINGS = ("PIP_", "UV_", "SSL_CERT_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def clean_env() -> dict[str, str]:
    """An environment with nothing of this project: no PYTHONPATH (Kedro's
    ``bootstrap_project`` puts the project's ``src`` there), no virtual
    environment; the user's HOME, so that pip's and uv's caches are used, and
    the machine's network settings."""
    network = {
        key: value
        for key, value in os.environ.items()
        if key.startswith(_NETWORK_SETTINGS) or key.lower().endswith("_proxy")
    }
    return network | {
        # The Python installation this environment was made from (not the
        # project's virtual environment): a receiver's own Python 3.11.
        "PATH": os.pathsep.join(
            [str(Path(sys.base_prefix) / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]
        ),
        # uv finds that Python; it must not download another one.
        "UV_PYTHON_DOWNLOADS": "never",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }


@contextmanager
def model_server(
    model_uri: str,
    cwd: Path,
    log: Path,
    *,
    bin_folder: Path | None = None,
    env_manager: str = "local",
    workers: int | None = None,
    env: dict[str, str] | None = None,
    inherit_env: bool = True,
    timeout: float = 180,
) -> Iterator[str]:
    """``mlflow models serve`` of ``model_uri`` on a free port of 127.0.0.1, as a
    user starts it: the ``mlflow`` program of ``bin_folder`` (this environment's
    by default), with that folder first on PATH (MLflow starts uvicorn from
    PATH), in ``cwd``. Yields the server's URL once it answers ``/ping``, and
    stops it and its workers afterwards.

    ``inherit_env=False`` starts it with ``clean_env()`` instead of this
    process's environment (which Kedro gives a PYTHONPATH to the project)."""
    bin_folder = bin_folder or Path(sys.executable).parent
    base = dict(os.environ) if inherit_env else clean_env()
    port = free_port()
    command = [
        str(bin_folder / "mlflow"),
        "models",
        "serve",
        "-m",
        model_uri,
        "--env-manager",
        env_manager,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ] + (["--workers", str(workers)] if workers else [])
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=base
            | {"PATH": str(bin_folder) + os.pathsep + base["PATH"]}
            | (env or {}),
            **NEW_GROUP,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(f"{url}/ping", process, log, timeout=timeout)
            yield url
        finally:
            stop_group(process)


# Started in a Python process before anything else (through sitecustomize): the
# first call of MODULE.FUNCTION in each process announces itself in a folder and
# waits until COUNT processes have, then goes on. A barrier, not a sleep: the
# processes are provably inside that function at the same time.
_BARRIER = """
import importlib, os, pathlib, time
folder = pathlib.Path(os.environ["TEST_BARRIER_FOLDER"])
count = int(os.environ["TEST_BARRIER_COUNT"])
module = importlib.import_module(os.environ["TEST_BARRIER_MODULE"])
name = os.environ["TEST_BARRIER_FUNCTION"]
match = os.environ.get("TEST_BARRIER_MATCH", "")
original = getattr(module, name)
def waiting(*args, **kwargs):
    marker = folder / f"{os.getpid()}.inside"
    if match in repr(args) and not marker.exists():
        marker.write_text(repr(args[1:2])[:200])
        deadline = time.monotonic() + 300
        while len(list(folder.glob("*.inside"))) < count:
            if time.monotonic() > deadline:
                raise TimeoutError("the other process never reached the barrier")
            time.sleep(0.01)
    return original(*args, **kwargs)
setattr(module, name, waiting)
"""


def barrier_env(
    folder: Path, module: str, function: str, count: int = 2, match: str = ""
) -> dict:
    """Environment variables that put a barrier (see ``_BARRIER``) around
    ``module.function`` in every Python process started with them; with
    ``match``, only around a call whose arguments' repr contains it. A single
    process with ``count=2`` is held there (until it is stopped)."""
    code = folder / "code"
    (folder / "inside").mkdir(parents=True, exist_ok=True)
    code.mkdir(parents=True, exist_ok=True)
    (code / "sitecustomize.py").write_text(_BARRIER)
    return {
        "PYTHONPATH": os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")]),
        "TEST_BARRIER_FOLDER": str(folder / "inside"),
        "TEST_BARRIER_COUNT": str(count),
        "TEST_BARRIER_MODULE": module,
        "TEST_BARRIER_FUNCTION": function,
        "TEST_BARRIER_MATCH": match,
    }


def inside_barrier(folder: Path) -> int:
    """How many processes reached the barrier of ``barrier_env(folder, ...)``."""
    return len(list((folder / "inside").glob("*.inside")))


def stop_in_fold(monkeypatch, call: int, stop: Callable[[], None]) -> list[tuple]:
    """Make cross-validation's ``call``-th fold (from 1) call ``stop`` (which
    raises, or signals this process) instead of training, as Ctrl-C or SIGTERM
    would in the middle of that fold; the folds before it train for real.
    Returns the (network, fold) pairs begun, filled in as the run goes."""
    from fashion_mnist.pipelines.cross_validation import nodes  # noqa: PLC0415

    real_one_fold = nodes._one_fold
    calls: list[tuple] = []

    def one_fold(architecture, fold, *args):
        calls.append((architecture, fold + 1))
        if len(calls) == call:
            stop()
            raise AssertionError(f"{stop} did not stop fold {fold + 1}")
        return real_one_fold(architecture, fold, *args)

    monkeypatch.setattr(nodes, "_one_fold", one_fold, raising=True)
    return calls
