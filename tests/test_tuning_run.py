"""Real runs of the tuning pipeline: recorded in MLflow, stopped and resumed,
two processes on one study, and several workers on a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.validation.exceptions import ParameterValidationError
from mlflow.tracking import MlflowClient
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import TrialState
from PIL import Image

from fashion_mnist.pipelines.tuning import search as tuning_search
from fashion_mnist.pipelines.tuning.nodes import TuningError
from tests.helpers import barrier_env, free_port, inside_barrier, kedro_run

# Two trials of the lab's mlp, one epoch each, on 300 training images.
TINY = {
    "data_processing": {"sample_limit": 400},
    "tuning": {
        "architecture": "mlp",
        "n_trials": 2,
        "epochs": 1,
        "sample_limit": 300,
        "search_space": {"learning_rate": {"low": 0.001, "high": 0.01, "log": True}},
        "pruner": {"type": "none"},
    },
}
TINY_CLI = (
    "data_processing.sample_limit=400,tuning.architecture=mlp,tuning.n_trials=2,"
    "tuning.epochs=1,tuning.sample_limit=300,tuning.pruner.type=none"
)


def _study(project: Path, name: str = "fashion_mnist") -> optuna.Study:
    journal = str(project / "tuning.journal")
    storage = JournalStorage(
        JournalFileBackend(journal, lock_obj=JournalFileOpenLock(journal))
    )
    return optuna.load_study(study_name=name, storage=storage)


@pytest.mark.slow  # tuning subprocesses under a real session: the full tier
def test_a_run_records_every_trial_in_mlflow_and_writes_its_reports(
    project, monkeypatch
):
    monkeypatch.delenv("FASHION_MNIST_TRACKING", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with KedroSession.create(project_path=project, runtime_params=TINY) as session:
        session.run(pipeline_names=["tuning"])

    reports = project / "data" / "08_reporting"
    trials = pd.read_excel(reports / "tuning.xlsx", sheet_name="trials")
    assert list(trials["number"]) == [0, 1] and set(trials["state"]) == {"COMPLETE"}
    assert {"validation_accuracy", "seconds", "param_learning_rate"} <= set(trials)
    for figure in ("tuning_history.png", "tuning_importances.png"):
        with Image.open(reports / figure) as image:
            assert image.format == "PNG" and image.size[0] > 300
    best = json.loads((reports / "tuning_best.json").read_text())
    # The workbook's round trip (openpyxl writes, pandas reads) may change a
    # float's last bit (26/60 came back as ...33 for ...335), so "equal" is to
    # 12 digits: the two trials' accuracies still differ far more than that.
    assert best["best"]["validation_accuracy"] == pytest.approx(
        trials["validation_accuracy"].max(), rel=1e-12
    )
    assert best["command"].startswith('kedro run --params "model.architecture=mlp,')

    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("fashion_mnist")
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    children = sorted(
        (
            run
            for run in runs
            if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id
        ),
        key=lambda run: int(run.data.tags["trial"]),
    )
    assert parent.data.tags["pipeline"] == "tuning"
    assert parent.data.params["tuning.n_trials"] == "2"
    assert [run.data.tags["state"] for run in children] == ["COMPLETE", "COMPLETE"]
    for run, row in zip(children, trials.itertuples(), strict=True):
        assert float(run.data.params["learning_rate"]) == pytest.approx(
            row.param_learning_rate
        )
        assert run.data.metrics["validation_accuracy"] == pytest.approx(
            row.validation_accuracy
        )
        history = client.get_metric_history(run.info.run_id, "val_accuracy")
        assert [metric.step for metric in history] == [1]  # one epoch
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"tuning.xlsx", "tuning_history.png", "tuning_best.json"} <= artifacts


@pytest.mark.parametrize(
    ("tuning", "expected", "message"),
    [
        (
            {"storage": "postgresql+psycopg://user:pw@127.0.0.1:9/optuna"},
            TuningError,
            "127.0.0.1:9",
        ),
        (
            {"search_space": {"dropuot": {"low": 0.1, "high": 0.5}}},
            ParameterValidationError,
            "dropuot",
        ),
        (
            {"search_space": {"learning_rate": {"low": -1, "high": 1, "log": True}}},
            ParameterValidationError,
            "learning_rate",
        ),
    ],
)
def test_bad_input_stops_the_run_before_any_trial_process(
    project, monkeypatch, tuning, expected, message
):
    started = []
    original = tuning_search._one_trial_process

    def spy(*args, **kwargs):  # where every trial process is started
        started.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(tuning_search, "_one_trial_process", spy)
    params = {**TINY, "tuning": {**TINY["tuning"], **tuning}}
    with KedroSession.create(project_path=project, runtime_params=params) as session:
        with pytest.raises(expected) as raised:
            session.run(pipeline_names=["tuning"])
    assert message in str(raised.value) + str(getattr(raised.value, "errors", ""))
    assert started == []
    assert not (project / "tuning.journal").exists()
    assert not (project / "data" / "08_reporting" / "tuning.xlsx").exists()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_a_run_stopped_with_sigterm_leaves_no_running_trial_and_the_next_goes_on(
    project, tmp_path
):
    # A barrier for two holds the (only) trial process inside its training.
    hold = barrier_env(
        tmp_path, "fashion_mnist.pipelines.tuning.objective", "train_classifier"
    )
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kedro",
            "run",
            "--pipelines",
            "tuning",
            "--params",
            TINY_CLI,
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | hold,
    )
    deadline = time.monotonic() + 300
    while inside_barrier(tmp_path) < 1:  # the trial process is inside training
        assert run.poll() is None, run.stdout.read()
        assert time.monotonic() < deadline, "no trial started"
        time.sleep(0.05)
    assert any(trial.state == TrialState.RUNNING for trial in _study(project).trials)
    run.send_signal(signal.SIGTERM)
    output, _ = run.communicate(timeout=120)
    assert run.returncode != 0
    assert "Received SIGTERM" in output
    before = [trial.state for trial in _study(project).trials]
    assert TrialState.RUNNING not in before
    assert before[-1] == TrialState.FAIL  # the trial it stopped in

    code, output = kedro_run(project, "--pipelines", "tuning", "--params", TINY_CLI)
    assert code == 0, output
    states = [trial.state for trial in _study(project).trials]
    assert states == [*before, TrialState.COMPLETE, TrialState.COMPLETE]


def _workers(project: Path, params: str, env: dict, count: int = 2) -> list[str]:
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kedro",
                "run",
                "--pipelines",
                "tuning",
                "--params",
                params,
            ],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ | {"COLUMNS": "250"} | env,
        )
        for _ in range(count)
    ]
    outputs = [process.communicate(timeout=600)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output[-5000:]
    return outputs


@pytest.mark.slow  # several processes and a server: the full tier
def test_two_runs_started_together_share_one_study_and_their_trials_add_up(
    project, tmp_path
):
    # Each run's first trial process, at its training, waits until the other
    # run's is training too: the two provably work on the study at once.
    env = barrier_env(
        tmp_path, "fashion_mnist.pipelines.tuning.objective", "train_classifier"
    )
    _workers(project, TINY_CLI, env)
    assert inside_barrier(tmp_path) >= 2  # (one marker per trial process)
    trials = _study(project).trials
    assert sorted(trial.number for trial in trials) == [0, 1, 2, 3]
    assert all(trial.state == TrialState.COMPLETE for trial in trials)


def _postgres_bin(program: str) -> str | None:
    found = shutil.which(program)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"))
    return str(candidates[-1]) if candidates else None


@pytest.fixture
def postgres():
    """A throw-away PostgreSQL cluster on 127.0.0.1 (Debian's postgresql
    package), started for the test and stopped after it. As root, the server
    runs as the `postgres` user (PostgreSQL refuses to run as root)."""
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    folder = Path(tempfile.mkdtemp(prefix="fashion-mnist-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()
    subprocess.run(
        [
            *as_user,
            initdb,
            "-D",
            str(data),
            "-U",
            "optuna",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_user,
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(folder / "server.log"),
            "-w",
            "-o",
            f"-p {port} -k {folder} -h 127.0.0.1",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        url = f"postgresql+psycopg://optuna@127.0.0.1:{port}/postgres"
        # Optuna's tables, made once before the workers start (as docs/tuning.md
        # advises: several processes creating them at once can collide).
        optuna.storages.RDBStorage(url)
        yield url
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"], check=False
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_workers_share_a_study_in_a_real_postgresql_server(project, tmp_path, postgres):
    env = barrier_env(
        tmp_path, "fashion_mnist.pipelines.tuning.objective", "train_classifier"
    )
    outputs = _workers(project, f"{TINY_CLI},tuning.storage={postgres}", env)
    assert inside_barrier(tmp_path) >= 2  # (one marker per trial process)
    study = optuna.load_study(study_name="fashion_mnist", storage=postgres)
    assert sorted(trial.number for trial in study.trials) == [0, 1, 2, 3]
    assert all(trial.state == TrialState.COMPLETE for trial in study.trials)
    assert not (project / "tuning.journal").exists()  # nothing kept locally
    for output in outputs:
        assert (
            "Study 'fashion_mnist' in postgresql+psycopg://optuna@127.0.0.1" in output
        )
