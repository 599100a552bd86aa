"""The search: trials one after another, each in a Python process of its own."""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from fashion_mnist.stopping import Terminated
from fashion_mnist.training import TrainingParams

from .params import TuningParams
from .records import TrialLog, trials_table
from .study import TuningError

logger = logging.getLogger(__name__)


def resident_megabytes() -> float | None:
    """This process's resident memory (Linux), or None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


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
    log = TrialLog(tuning.n_trials, active.info.run_id if active else None)
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
