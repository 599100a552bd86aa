"""Nodes of the ``cross_validation`` pipeline."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.model_selection import StratifiedKFold

from fashion_mnist.metric_history import History, metric_history, single_values
from fashion_mnist.training import TrainingParams, score_classifier, train_classifier

from .params import CrossValidationParams

logger = logging.getLogger(__name__)

SIGNIFICANCE = 0.05


class FoldError(ValueError):
    """Raised before any training when the data cannot be split as asked."""


def assign_folds(
    labels: np.ndarray,
    cross_validation: CrossValidationParams,
    training: TrainingParams,
) -> np.ndarray:
    """The fold (0 to ``folds - 1``) each training image is held out in.

    Stratified (every fold has the classes in the same proportions), shuffled
    and seeded with ``training.seed`` (scikit-learn's ``StratifiedKFold``). Every architecture is scored on these same folds, which makes
    the comparison paired. The test images are not used.
    """
    folds = cross_validation.folds
    if len(labels) < folds * 10:
        raise FoldError(
            f"data_processing.sample_limit: {len(labels)} training images are too few "
            f"for {folds} folds; use at least folds x 10 = {folds * 10}."
        )
    smallest = int(np.bincount(labels).min()) if len(labels) else 0
    if folds > smallest:
        raise FoldError(
            f"cross_validation.folds: {folds} folds need at least {folds} images of "
            f"every class, but the smallest class has {smallest}; lower the folds "
            "or raise data_processing.sample_limit."
        )
    splitter = StratifiedKFold(folds, shuffle=True, random_state=training.seed)
    assignment = np.empty(len(labels), dtype=np.int64)
    for fold, (_, held_out) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        assignment[held_out] = fold
    return assignment


def cross_validate(
    images: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
    cross_validation: CrossValidationParams,
    training: TrainingParams,
) -> pd.DataFrame:
    """Train every architecture and variant on all folds but one and score it on
    that one.

    Training is the project's own (``training.train_classifier``), with each
    architecture's recipe and the settings ``CrossValidationParams.plan`` gives
    it (``training``, a variant's keys, and ``epochs`` / ``batch_size`` from
    ``cross_validation`` where given).

    The folds are the outer loop: every network trains on fold 1, then every
    one on fold 2, and so on, so their training times alternate run against run
    (a machine that drifts over an hour shifts them all alike), and a run
    stopped early has whole folds for every network.

    Stopped (Ctrl-C, or SIGTERM through ``hooks.GracefulStopHooks``) once every
    network has finished a fold, it returns the whole folds done so far, so the
    summary, comparison, figures and workbook of hours of training are still
    written; the fold in progress is dropped. Stopped sooner, it stops the run.

    Returns:
        One row per architecture (or variant, by its name) and fold, grouped by
        network in the plan's order: accuracy and loss on the held-out fold, and
        the training seconds.
    """
    plan = cross_validation.plan(training)
    count = cross_validation.folds
    rows: dict[str, list[dict[str, object]]] = {name: [] for name, _, _ in plan}
    try:
        for name, row in _run_folds(plan, count, images, labels, folds):
            rows[name].append(row)
    except KeyboardInterrupt:
        whole = min(len(network) for network in rows.values())
        if not whole:
            raise
        logger.warning(
            "Stopped during fold %d/%d: the results cover the %d whole fold(s) "
            "every network finished (the fold in progress is dropped). Stop "
            "again to end at once.",
            whole + 1,
            count,
            whole,
        )
        rows = {name: network[:whole] for name, network in rows.items()}
    table = pd.DataFrame([row for network in rows.values() for row in network])
    for row in summarize_folds(table).itertuples():
        logger.info(
            "%s: %.4f \u00b1 %.4f (%d folds)",
            row.architecture,
            row.mean,
            row.std,
            row.n,
        )
    return table


def _run_folds(
    plan: list[tuple[str, str, TrainingParams]],
    count: int,
    images: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
) -> Iterator[tuple[str, dict[str, object]]]:
    """Every network of ``plan`` on fold 1, then every one on fold 2, ...; each
    network's name and fold row as the fold finishes (what a stop keeps)."""
    runs = [(entry, fold) for fold in range(count) for entry in plan]
    for number, ((name, architecture, settings), fold) in enumerate(runs, start=1):
        started = time.perf_counter()
        row = _one_fold(architecture, fold, images, labels, folds, settings)
        yield name, {"architecture": name} | row  # kept first, then logged
        logger.info(
            "[%d/%d] %s fold %d/%d: accuracy %.4f (%.0f s)",
            number,
            len(runs),
            name,
            fold + 1,
            count,
            row["accuracy"],
            time.perf_counter() - started,
        )


def _one_fold(
    architecture: str,
    fold: int,
    images: np.ndarray,
    labels: np.ndarray,
    folds: np.ndarray,
    settings: TrainingParams,
) -> dict[str, object]:
    """Train on every fold but ``fold`` (from 0) and score on it: one table row."""
    held_out = folds == fold
    model, result = train_classifier(
        architecture, images[~held_out], labels[~held_out], settings
    )
    _, loss, accuracy = score_classifier(model, images[held_out], labels[held_out])
    return {
        "fold": fold + 1,
        "accuracy": accuracy,
        "loss": loss,
        "training_seconds": result.seconds,
        "train_samples": result.samples,
        "held_out_samples": int(held_out.sum()),
    }


def summarize_folds(folds: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation (n - 1), min and max of the fold accuracies."""
    grouped = folds.groupby("architecture", sort=False)["accuracy"]
    summary = grouped.agg(["mean", "std", "min", "max", "count"]).reset_index()
    return summary.rename(columns={"count": "n"})


def compare_architectures(folds: pd.DataFrame) -> pd.DataFrame:
    """Each pair of architectures, compared fold by fold (paired t-test).

    Returns:
        One row per pair: the mean difference in accuracy (first minus second),
        the p-value of ``scipy.stats.ttest_rel`` over the folds, and a verdict
        in words at the 5 % level.
    """
    accuracy = folds.pivot(index="fold", columns="architecture", values="accuracy")
    order = list(dict.fromkeys(folds["architecture"]))
    rows = []
    for first, second in itertools.combinations(order, 2):
        difference = accuracy[first] - accuracy[second]
        if len(accuracy) < 2:  # a run stopped after its first fold: no test
            p_value = float("nan")
            verdict = f"one fold: too few to test {first} against {second}"
        else:
            p_value = float(stats.ttest_rel(accuracy[first], accuracy[second]).pvalue)
            verdict = _verdict(first, second, float(difference.mean()), p_value)
        rows.append(
            {
                "first": first,
                "second": second,
                "mean_difference": float(difference.mean()),
                "p_value": p_value,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(
        rows, columns=["first", "second", "mean_difference", "p_value", "verdict"]
    )


def _verdict(first: str, second: str, difference: float, p_value: float) -> str:
    if np.isnan(p_value):  # identical accuracies on every fold
        return f"{first} and {second} score the same on every fold"
    if p_value >= SIGNIFICANCE:
        return (
            f"no significant difference between {first} and {second}, p = {p_value:.2g}"
        )
    better, worse = (first, second) if difference > 0 else (second, first)
    return f"{better} better than {worse}, p = {p_value:.2g}"


def collect_tracked_metrics(folds: pd.DataFrame, summary: pd.DataFrame) -> History:
    """Each architecture's fold accuracies (step = fold) and their mean and
    standard deviation (from ``summarize_folds``' table), in the form
    ``MlflowMetricsHistoryDataset`` logs."""
    tracked = {
        f"{architecture}.fold_accuracy": metric_history(rows["fold"], rows["accuracy"])
        for architecture, rows in folds.groupby("architecture", sort=False)
    }
    for row in summary.itertuples():
        values = {f"{row.architecture}.mean_accuracy": row.mean}
        if row.n > 1:  # one fold (a run stopped after it) has no spread
            values[f"{row.architecture}.std_accuracy"] = row.std
        tracked |= single_values(values)
    return tracked


def assemble_workbook(
    folds: pd.DataFrame, summary: pd.DataFrame, comparison: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, in order."""
    return {"folds": folds, "summary": summary, "comparison": comparison}
