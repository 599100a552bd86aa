"""The search's figures and its recommendation."""

from __future__ import annotations

import logging
from typing import Any

import optuna
import pandas as pd
from matplotlib.figure import Figure

from .params import TuningParams, training_key

logger = logging.getLogger(__name__)


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
    def value(item: Any) -> str:
        if isinstance(item, bool):
            return str(item).lower()
        if isinstance(item, float):
            return f"{item:.4g}"
        return str(item)

    pairs = [f"model.architecture={architecture}"] + [
        f"{training_key(name)}={value(item)}" for name, item in sorted(params.items())
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
