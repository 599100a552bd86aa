"""Nodes of the ``tuning`` pipeline: a hyperparameter search with Optuna.

Each trial trains with the project's own training code (``train_classifier``,
as ``modeling`` does) on the first ``tuning.sample_limit`` training images,
holds out the last ``validation_split`` of them, and is scored on those by its
validation accuracy (with the recipe's flip test-time augmentation). After
every epoch the validation accuracy is reported to Optuna, whose pruner stops
weak trials early. The study lives in a storage shared by every process that
opens it, so a search resumes where it stopped and several processes (or
machines, with a database) add up their trials.

The search runs inside one node, as kedro-mlflow's authors advise, rather than
as generated pipelines. Each trial trains in a Python process of its own
(``trial.py``), which ends with it: TensorFlow keeps memory from every model it
has traced and run (here about 25 MB a trial of ``cnn_bn``, even after
``keras.backend.clear_session()`` and ``gc.collect()``; optuna#1178,
keras#20552), so the search process itself stays as small as it starts. The
trial processes share the study through its storage, like any other worker.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import mlflow
import numpy as np
import optuna
import pandas as pd
from matplotlib.figure import Figure
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient
from optuna.storages import (
    JournalStorage,
    RDBStorage,
    RetryHeartbeatStaleTrialCallback,
)
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import FrozenTrial, TrialState
from optuna_integration.keras import KerasPruningCallback

from fashion_mnist.hooks import Terminated
from fashion_mnist.training import TrainingParams, score_classifier, train_classifier

from .params import AUGMENTATIONS, INTEGERS, SpaceSpec, TuningParams

logger = logging.getLogger(__name__)

MONITOR = "val_accuracy"  # what each epoch reports to the pruner
# A trial whose process died (killed, machine lost) stops beating; after the
# grace period another worker marks it failed and runs its parameters again.
HEARTBEAT_SECONDS = 60
GRACE_SECONDS = 180


class TuningError(RuntimeError):
    """Raised before any training when the study cannot be opened."""


# ------------------------------------------------------------------ the study
def _hidden_password(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url  # noqa: PLC0415

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show it as it was written
        return url


def _storage(url: str | None, journal: Path) -> optuna.storages.BaseStorage:
    """The journal file (``url`` None), or the database at ``url``."""
    if url is None:
        journal.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(
            JournalFileBackend(str(journal), lock_obj=JournalFileOpenLock(str(journal)))
        )
    if "://" not in url:
        raise TuningError(
            f"tuning.storage: {url!r} is not a database URL. Use null for the "
            "project's journal file (several processes on one machine), or a URL "
            "such as postgresql+psycopg://user:password@host:5432/optuna."
        )
    if url.startswith("sqlite"):
        logger.warning(
            "tuning.storage is SQLite: fine for one process; Optuna advises against "
            "it for several. Use null (a journal file) or PostgreSQL for those."
        )
    engine_kwargs = (
        {"connect_args": {"connect_timeout": 10}} if "postgres" in url else {}
    )
    try:
        return RDBStorage(
            url,
            engine_kwargs=engine_kwargs,
            heartbeat_interval=HEARTBEAT_SECONDS,
            grace_period=GRACE_SECONDS,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(
                max_retry=1
            ),
        )
    except Exception as exc:
        reason = (
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        )
        raise TuningError(
            f"tuning.storage: cannot open the study's database "
            f"{_hidden_password(url)}: {reason}. Check the URL (e.g. "
            "postgresql+psycopg://user:password@host:5432/optuna) and that the "
            "server answers; null keeps the study in the project's journal file."
        ) from None


def _sampler(tuning: TuningParams) -> optuna.samplers.BaseSampler:
    if tuning.sampler.type == "random":
        return optuna.samplers.RandomSampler(seed=tuning.sampler.seed)
    return optuna.samplers.TPESampler(seed=tuning.sampler.seed)


def _pruner(tuning: TuningParams) -> optuna.pruners.BasePruner:
    if tuning.pruner.type == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=tuning.pruner.n_startup_trials,
        n_warmup_steps=tuning.pruner.n_warmup_steps,
    )


def open_study(journal: Path, tuning: TuningParams) -> optuna.Study:
    """Open the study ``tuning.study_name`` in its storage, creating it the
    first time: a later run, or another process, continues the same study."""
    storage = _storage(tuning.storage, journal)
    study = optuna.create_study(
        storage=storage,
        study_name=tuning.study_name,
        direction="maximize",
        sampler=_sampler(tuning),
        pruner=_pruner(tuning),
        load_if_exists=True,
    )
    where = journal if tuning.storage is None else _hidden_password(tuning.storage)
    finished = [t for t in study.trials if t.state == TrialState.COMPLETE]
    logger.info(
        "Study %r in %s: %d trial(s) so far%s",
        tuning.study_name,
        where,
        len(study.trials),
        f", the best {study.best_value:.4f} (trial {study.best_trial.number})"
        if finished
        else "",
    )
    return study


# ------------------------------------------------------------------ a trial
def _suggest(trial: optuna.Trial, key: str, spec: SpaceSpec) -> Any:
    if spec.choices is not None:
        return trial.suggest_categorical(key, spec.choices)
    if key in INTEGERS:
        return trial.suggest_int(key, int(spec.low), int(spec.high), log=spec.log)
    return trial.suggest_float(key, spec.low, spec.high, log=spec.log)


def trial_settings(
    training: TrainingParams, chosen: dict[str, Any], tuning: TuningParams
) -> TrainingParams:
    """The ``training`` section with a trial's values on top: what
    ``train_classifier`` gets, as in ``modeling``."""
    augmentation = training.augmentation.model_copy(
        update={key: value for key, value in chosen.items() if key in AUGMENTATIONS}
    )
    update = {key: value for key, value in chosen.items() if key not in AUGMENTATIONS}
    update.setdefault("epochs", tuning.epochs)
    return training.model_copy(
        update={
            **update,
            "augmentation": augmentation,
            "validation_split": tuning.validation_split,
        }
    )


def resident_megabytes() -> float | None:
    """This process's resident memory (Linux), or None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _objective(
    images: np.ndarray,
    labels: np.ndarray,
    tuning: TuningParams,
    training: TrainingParams,
    started: Path,
) -> Callable[[optuna.Trial], float]:
    def objective(trial: optuna.Trial) -> float:
        # For the search process: which trial to mark failed should this
        # process die without doing it (kill -9, the kernel's OOM killer).
        started.write_text(str(trial.number))
        chosen = {
            key: _suggest(trial, key, spec) for key, spec in tuning.search_space.items()
        }
        settings = trial_settings(training, chosen, tuning)
        model = None
        try:
            model, result = train_classifier(
                tuning.architecture,
                images,
                labels,
                settings,
                callbacks=[KerasPruningCallback(trial, MONITOR)],
            )
            fitted = result.samples
            _, _, accuracy = score_classifier(model, images[fitted:], labels[fitted:])
            return accuracy
        finally:
            # TensorFlow keeps every model's graph in the process unless told
            # to forget it: memory would grow trial after trial.
            del model
            keras.backend.clear_session()
            gc.collect()

    return objective


def _pruned_at(trial: FrozenTrial) -> int | None:
    """The epoch (from 1) a pruned trial stopped after."""
    if trial.state != TrialState.PRUNED or not trial.intermediate_values:
        return None
    return max(trial.intermediate_values) + 1


def _describe(trial: FrozenTrial) -> str:
    seconds = trial.duration.total_seconds() if trial.duration else float("nan")
    if trial.state == TrialState.COMPLETE:
        return f"validation {trial.value:.4f} ({seconds:.0f} s)"
    if trial.state == TrialState.PRUNED:
        last = trial.intermediate_values.get(
            max(trial.intermediate_values or [0]), math.nan
        )
        return f"validation {last:.4f} (pruned at epoch {_pruned_at(trial)}, {seconds:.0f} s)"
    return f"{trial.state.name.lower()} ({seconds:.0f} s)"


class _TrialLog:
    """After each trial of this run: a log line, and (with tracking on) a nested
    MLflow run under the run's own, with the trial's parameters, validation
    accuracy per epoch, state and value."""

    def __init__(self, total: int | None, parent: str | None) -> None:
        self.total = total
        self.parent = parent
        self.done = 0

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self.done += 1
        count = f"{self.done}/{self.total}" if self.total else str(self.done)
        logger.info("[%s] trial %d: %s", count, trial.number, _describe(trial))
        if self.parent:
            _record_in_mlflow(trial, self.parent)


def _record_in_mlflow(trial: FrozenTrial, parent_run_id: str) -> None:
    client = MlflowClient()
    parent = client.get_run(parent_run_id)
    started = int(trial.datetime_start.timestamp() * 1000)
    ended = (
        int(trial.datetime_complete.timestamp() * 1000)
        if trial.datetime_complete
        else None
    )
    run = client.create_run(
        parent.info.experiment_id,
        start_time=started,
        run_name=f"{parent.info.run_name}-trial-{trial.number}",
        tags={
            "mlflow.parentRunId": parent_run_id,
            "pipeline": "tuning",
            "trial": str(trial.number),
            "state": trial.state.name,
        },
    )
    metrics = [
        Metric(MONITOR, float(value), started, int(step) + 1)
        for step, value in sorted(trial.intermediate_values.items())
    ]
    if trial.value is not None:
        metrics.append(
            Metric("validation_accuracy", float(trial.value), ended or started, 0)
        )
    if trial.duration is not None:
        metrics.append(
            Metric("seconds", trial.duration.total_seconds(), ended or started, 0)
        )
    client.log_batch(
        run.info.run_id,
        metrics=metrics,
        params=[Param(key, str(value)) for key, value in trial.params.items()],
    )
    status = "FAILED" if trial.state == TrialState.FAIL else "FINISHED"
    client.set_terminated(run.info.run_id, status=status, end_time=ended)


def _sampler_for(tuning: TuningParams, offset: int) -> optuna.samplers.BaseSampler:
    """The sampler of a trial process: seeded with the sampler's seed plus the
    number of trials before it, so each process draws anew, reproducibly."""
    seed = None if tuning.sampler.seed is None else tuning.sampler.seed + offset
    return _sampler(
        tuning.model_copy(
            update={"sampler": tuning.sampler.model_copy(update={"seed": seed})}
        )
    )


def run_trial(job: dict[str, Any]) -> int:
    """One trial of the study, in this process (``trial.py`` calls it); its number."""
    tuning = TuningParams.model_validate(job["tuning"])
    training = TrainingParams.model_validate(job["training"])
    study = optuna.load_study(
        study_name=tuning.study_name,
        storage=_storage(tuning.storage, Path(job["journal"])),
        sampler=_sampler_for(tuning, job["offset"]),
        pruner=_pruner(tuning),
    )
    images = np.load(job["images"], mmap_mode="r")
    labels = np.load(job["labels"])
    numbers: list[int] = []
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(
        _objective(images, labels, tuning, training, Path(job["started"])),
        n_trials=1,
        callbacks=[lambda _, trial: numbers.append(trial.number)],
    )
    return numbers[0]


def _trial_numbered(study: optuna.Study, number: int) -> FrozenTrial:
    (trial,) = [t for t in study.get_trials(deepcopy=False) if t.number == number]
    return trial


def _fail_if_left_running(study: optuna.Study, started: Path) -> None:
    """Mark failed the trial a dead trial process left RUNNING, if any: one it
    could not end itself (killed with SIGKILL, by the OOM killer)."""
    if not started.exists():
        return  # it died before its trial began
    number = int(started.read_text())
    if _trial_numbered(study, number).state == TrialState.RUNNING:
        study.tell(number, state=TrialState.FAIL)
        logger.warning("Trial %d's process died; the trial is marked failed.", number)


def _one_trial_process(job: dict[str, Any], folder: Path, study: optuna.Study) -> int:
    """Run ``run_trial(job)`` in a new Python process; the trial's number."""
    job_file, result = folder / "job.json", folder / "trial.txt"
    started = folder / "started.txt"
    result.unlink(missing_ok=True)
    started.unlink(missing_ok=True)
    job_file.write_text(
        json.dumps({**job, "result": str(result), "started": str(started)})
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "fashion_mnist.pipelines.tuning.trial", str(job_file)]
    )
    try:
        code = process.wait()
    except KeyboardInterrupt as stop:
        # Ctrl-C reaches the trial process too (the terminal signals both);
        # SIGTERM (the hooks' Terminated) only this one, so it is passed on.
        # Either way the trial process marks its trial failed and ends.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0 if isinstance(stop, Terminated) else 30)
        if process.poll() is None:
            process.terminate()  # SIGTERM on POSIX
        process.wait()
        _fail_if_left_running(study, started)
        raise
    if code != 0 or not result.exists():
        _fail_if_left_running(study, started)
        raise TuningError(
            f"A trial process failed (exit code {code}); its error, if it could print "
            "one, is above. "
            "The trial is marked failed in the study."
        )
    return int(result.read_text())


def search_recipes(
    study: optuna.Study,
    journal: Path,
    images: np.ndarray,
    labels: np.ndarray,
    tuning: TuningParams,
    training: TrainingParams,
) -> pd.DataFrame:
    """Run ``tuning.n_trials`` more trials (or until ``tuning.timeout``), each in
    a process of its own.

    Returns:
        Every trial of the study so far (this run's and earlier ones'): number,
        state, validation accuracy, seconds, the epoch a pruned trial stopped
        after, this process's memory after each of its trials, and the
        parameters.
    """
    images, labels = images[: tuning.sample_limit], labels[: tuning.sample_limit]
    held_out = int(len(images) * tuning.validation_split)
    logger.info(
        "Searching %s: %s trial(s)%s, each at most %d epochs on %d training images "
        "and scored on the %d after them (memory now %.0f MB)",
        tuning.architecture,
        tuning.n_trials or "unlimited",
        f", at most {tuning.timeout:g} s" if tuning.timeout else "",
        tuning.epochs,
        len(images) - held_out,
        held_out,
        resident_megabytes() or float("nan"),
    )
    active = mlflow.active_run()
    log = _TrialLog(tuning.n_trials, active.info.run_id if active else None)
    memory: dict[int, float | None] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fashion-mnist-tuning-") as temporary:
        folder = Path(temporary)
        np.save(folder / "images.npy", np.ascontiguousarray(images))
        np.save(folder / "labels.npy", np.ascontiguousarray(labels))
        job = {
            "tuning": tuning.model_dump(mode="json"),
            "training": training.model_dump(mode="json"),
            "journal": str(journal),
            "images": str(folder / "images.npy"),
            "labels": str(folder / "labels.npy"),
        }
        count = 0
        while tuning.n_trials is None or count < tuning.n_trials:
            if tuning.timeout and time.monotonic() - started >= tuning.timeout:
                logger.info("Time is up (tuning.timeout = %g s).", tuning.timeout)
                break
            offset = len(study.get_trials(deepcopy=False))
            number = _one_trial_process({**job, "offset": offset}, folder, study)
            count += 1
            memory[number] = resident_megabytes()
            log(study, _trial_numbered(study, number))
    return trials_table(study, memory)


def trials_table(
    study: optuna.Study, memory: dict[int, float | None] | None = None
) -> pd.DataFrame:
    """One row per trial of the study (``memory``: the search process's
    resident memory after each of this run's trials)."""
    memory = memory or {}
    rows = []
    for trial in study.trials:
        rows.append(
            {
                "number": trial.number,
                "state": trial.state.name,
                "validation_accuracy": trial.value,
                "seconds": trial.duration.total_seconds() if trial.duration else None,
                "pruned_at_epoch": _pruned_at(trial),
                "search_process_mb": memory.get(trial.number),
                "started": trial.datetime_start.isoformat(timespec="seconds")
                if trial.datetime_start
                else None,
                **{f"param_{key}": value for key, value in trial.params.items()},
            }
        )
    table = pd.DataFrame(rows)
    if not table.empty:
        # An epoch is a whole number, blank for a trial that was not pruned.
        table["pruned_at_epoch"] = table["pruned_at_epoch"].astype("Int64")
    return table


# ------------------------------------------------------------------ reports
def _message_figure(text: str) -> Figure:
    figure = Figure(figsize=(8, 4))
    figure.text(0.5, 0.5, text, ha="center", va="center", fontsize=12)
    return figure


def plot_search_history(study: optuna.Study, trials: pd.DataFrame) -> Figure:
    """Optuna's optimisation history: each trial's validation accuracy, and the
    best so far. (``trials`` makes it wait for the search.)"""
    if not (trials["state"] == "COMPLETE").any():
        return _message_figure("No trial has finished yet.")
    axis = optuna.visualization.matplotlib.plot_optimization_history(
        study, target_name="validation accuracy"
    )
    axis.set_title(f"Optimisation history of study {study.study_name!r}")
    return axis.figure


def plot_parameter_importances(study: optuna.Study, trials: pd.DataFrame) -> Figure:
    """Optuna's parameter importances (how much of the variation in validation
    accuracy each parameter explains)."""
    finished = trials[trials["state"] == "COMPLETE"]
    varied = [c for c in trials if c.startswith("param_") and finished[c].nunique() > 1]
    if len(finished) < 2 or not varied:
        return _message_figure("Too few finished trials to rank the parameters.")
    axis = optuna.visualization.matplotlib.plot_param_importances(
        study, target_name="validation accuracy"
    )
    return axis.figure


def _params_argument(architecture: str, params: dict[str, Any]) -> str:
    def key(name: str) -> str:
        return (
            f"training.augmentation.{name}"
            if name in AUGMENTATIONS
            else f"training.{name}"
        )

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return str(item).lower()
        if isinstance(item, float):
            return f"{item:.4g}"
        return str(item)

    pairs = [f"model.architecture={architecture}"] + [
        f"{key(name)}={value(item)}" for name, item in sorted(params.items())
    ]
    return ",".join(pairs)


def report_best(
    study: optuna.Study, trials: pd.DataFrame, tuning: TuningParams
) -> dict[str, Any]:
    """The best trial so far, and the ``kedro run`` that trains it on all the
    data in ``modeling``."""
    finished = trials[trials["state"] == "COMPLETE"]
    if finished.empty:
        logger.warning("No trial has finished yet: nothing to recommend.")
        return {"study": study.study_name, "trials": len(trials), "best": None}
    best = study.best_trial
    params = dict(best.params)
    if "epochs" not in params:
        params["epochs"] = tuning.epochs
    command = f'kedro run --params "{_params_argument(tuning.architecture, params)}"'
    logger.info(
        "Best: trial %d, validation accuracy %.4f, %s. Train it on all the data "
        "with: %s",
        best.number,
        best.value,
        ", ".join(f"{k}={v}" for k, v in sorted(best.params.items())),
        command,
    )
    return {
        "study": study.study_name,
        "trials": len(trials),
        "complete": int(len(finished)),
        "pruned": int((trials["state"] == "PRUNED").sum()),
        "best": {
            "number": best.number,
            "validation_accuracy": best.value,
            "params": best.params,
        },
        "command": command,
    }
