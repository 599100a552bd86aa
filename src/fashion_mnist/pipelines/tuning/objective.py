"""A trial's work, in the trial process: the values it draws, the training
section they make, the fit scored on the held-out images."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import optuna
from optuna_integration.keras import KerasPruningCallback

from fashion_mnist.training import TrainingParams, score_classifier, train_classifier

from .params import GROUPED, INTEGERS, SpaceSpec, TuningParams
from .study import MONITOR, make_pruner, open_storage, sampler_for


def _suggest(trial: optuna.Trial, key: str, spec: SpaceSpec) -> Any:
    if spec.choices is not None:
        return trial.suggest_categorical(key, spec.choices)
    if key in INTEGERS:
        return trial.suggest_int(key, int(spec.low), int(spec.high), log=spec.log)
    return trial.suggest_float(key, spec.low, spec.high, log=spec.log)


def trial_settings(
    training: TrainingParams, chosen: dict[str, Any], tuning: TuningParams
) -> TrainingParams:
    """The ``training`` section with a trial's values on top (each in its
    group: ``shape.width``, ``augmentation.erasing``), the budget's epochs
    unless a trial draws its own, and the tuning's validation split: what
    ``train_classifier`` gets, as in ``modeling``."""
    drawn: dict[str, Any] = {}
    for key, value in chosen.items():
        group = GROUPED.get(key)
        (drawn.setdefault(group, {}) if group else drawn)[key] = value
    return training.layered(
        {"epochs": tuning.epochs}, drawn, {"validation_split": tuning.validation_split}
    )


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


def run_trial(job: dict[str, Any]) -> int:
    """One trial of the study, in this process (``trial.py`` calls it); its number."""
    tuning = TuningParams.model_validate(job["tuning"])
    training = TrainingParams.model_validate(job["training"])
    study = optuna.load_study(
        study_name=tuning.study_name,
        storage=open_storage(tuning.storage, Path(job["journal"])),
        sampler=sampler_for(tuning, job["offset"]),
        pruner=make_pruner(tuning),
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
