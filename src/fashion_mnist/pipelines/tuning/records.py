"""What each trial leaves: a log line, a nested MLflow run, a row of the
trials table."""

from __future__ import annotations

import logging
import math

import optuna
import pandas as pd
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient
from optuna.trial import FrozenTrial, TrialState

from .study import MONITOR

logger = logging.getLogger(__name__)


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


class TrialLog:
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


def trials_table(
    study: optuna.Study, memory: dict[int, float | None] | None = None
) -> pd.DataFrame:
    """One row per trial of the study: Optuna's ``trials_dataframe`` (number,
    state, value, duration, start, parameters), its columns renamed for the
    workbook, plus the epoch a pruned trial stopped after and ``memory``, the
    search process's resident memory after each of this run's trials."""
    memory = memory or {}
    frame = study.trials_dataframe(
        attrs=("number", "state", "value", "duration", "datetime_start", "params")
    )
    if frame.empty:
        return frame
    trials = {trial.number: trial for trial in study.get_trials(deepcopy=False)}
    table = pd.DataFrame(
        {
            "number": frame["number"],
            "state": frame["state"],
            "validation_accuracy": frame["value"],
            "seconds": frame["duration"].dt.total_seconds(),
            # A whole number, blank for a trial that was not pruned.
            "pruned_at_epoch": pd.array(
                [_pruned_at(trials[n]) for n in frame["number"]], dtype="Int64"
            ),
            "search_process_mb": [memory.get(n) for n in frame["number"]],
            "started": frame["datetime_start"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
        }
    )
    parameters = frame.filter(like="params_")
    parameters.columns = [
        "param_" + c.removeprefix("params_") for c in parameters.columns
    ]
    return pd.concat([table, parameters], axis=1)
