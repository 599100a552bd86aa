"""The README's setup without make, typed as a Windows or macOS user would, in a
fresh clone: create a venv, install the project, ``kedro run``."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.helpers import PROJECT_ROOT

# What the Makefile, CI or a test runner may have set: the plain commands must
# behave the same without any of it.
MAKEFILE_AND_TEST_SETTINGS = (
    "KEDRO_DISABLE_TELEMETRY",
    "MLFLOW_DISABLE_TELEMETRY",
    "DO_NOT_TRACK",
    "TF_CPP_MIN_LOG_LEVEL",
    "FASHION_MNIST_TRACKING",
    "MLFLOW_TRACKING_URI",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "MPLBACKEND",
)


def _venv_program(venv: Path, name: str) -> Path:
    folder = "Scripts" if sys.platform == "win32" else "bin"
    suffix = ".exe" if sys.platform == "win32" else ""
    return venv / folder / f"{name}{suffix}"


@pytest.mark.slow
@pytest.mark.timeout(1800)  # a full install of TensorFlow & co. into a new venv
@pytest.mark.skipif(
    shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists(),
    reason="needs git and the project's git checkout",
)
def test_plain_commands_from_a_fresh_clone(tmp_path, real_raw_data):
    # A clone holds what is committed, as a user's clone does.
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True
    )
    # The data as a user puts it there offline (README, "Getting the data").
    shutil.copytree(real_raw_data, clone / "data" / "01_raw" / "fashion-mnist")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in MAKEFILE_AND_TEST_SETTINGS
    }

    def run(*command: str | Path, timeout: int) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(part) for part in command],
            check=False,
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    venv = clone / ".venv"
    # The base interpreter, as a user's `python3 -m venv .venv`.
    base = Path(sys.base_prefix) / (
        "python.exe" if sys.platform == "win32" else "bin/python3"
    )
    created = run(
        base if base.exists() else sys.executable, "-m", "venv", venv, timeout=300
    )
    assert created.returncode == 0, created.stderr
    installed = run(
        _venv_program(venv, "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-e",
        ".[test]",
        timeout=1200,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]

    result = run(
        _venv_program(venv, "kedro"),
        "run",
        "--params",
        "data_processing.sample_limit=1000,training.epochs=1,"
        "accuracy_check.threshold=0",
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    metrics = json.loads((clone / "data" / "08_reporting" / "metrics.json").read_text())
    assert metrics["training_samples"] == 1000
    assert metrics["architecture"] == "cnn_bn"
    # Quiet as with make: no telemetry question, no TensorFlow start-up banners.
    assert "telemetry" not in output.lower(), output[-4000:]
    for banner in ("oneDNN custom operations", "cpu_feature_guard", "cuda drivers"):
        assert banner not in output, output[-4000:]
    # Tracked into the embedded store, in the clone.
    assert (clone / "mlflow.db").stat().st_size > 0
    with closing(sqlite3.connect(clone / "mlflow.db")) as store:
        runs = [name for (name,) in store.execute("SELECT name FROM runs")]
    assert runs == ["modeling-cnn_bn"]
