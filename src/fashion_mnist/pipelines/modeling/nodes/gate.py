"""The accuracy gate: the last step of ``modeling``."""

from __future__ import annotations

import logging
from typing import Any

from ..params import AccuracyCheckParams

logger = logging.getLogger(__name__)


class AccuracyBelowThresholdError(RuntimeError):
    """Raised by the accuracy gate when the checked accuracy is too low."""


def check_accuracy(
    metrics: dict[str, Any], accuracy_check: AccuracyCheckParams, *saved_reports: Any
) -> dict[str, Any]:
    """Fail the run when the chosen accuracy is below the threshold.

    Args:
        metrics: The run's metrics (``test_accuracy``, ``train_accuracy``).
        accuracy_check: Which accuracy to check, and the threshold.
        *saved_reports: Every report of the run, as saved. They are not read:
            taking them makes the gate depend on them, so that under any
            runner it runs only after the model and every report are written.

    Returns:
        The metrics, once accepted: what comes after the gate (registering the
        model) takes them, so it happens only for a model that passed.
    """
    split, threshold = accuracy_check.split, accuracy_check.threshold
    accuracy = metrics[f"{split}_accuracy"]
    if accuracy < threshold:
        raise AccuracyBelowThresholdError(
            f"Accuracy check failed: {split} accuracy {accuracy:.4f} is below the "
            f"threshold {threshold:.4f} (accuracy_check.split={split}). The model "
            "and reports were saved; see data/08_reporting/. To reach the "
            "threshold, train longer (--params training.epochs=20), use a "
            "stronger network (--params model.architecture=...) or change the "
            "threshold (--params accuracy_check.threshold=...)."
        )
    logger.info(
        "Accuracy check passed: %s accuracy %.4f >= threshold %.4f",
        split,
        accuracy,
        threshold,
    )
    return metrics
