"""Nodes of the ``modeling`` pipeline, one module per concern."""

from .evaluation import evaluate_model, report_metrics
from .figures import plot_confusion_matrix, plot_predictions, plot_training_curves
from .gate import AccuracyBelowThresholdError, check_accuracy
from .training import build_model, train_model

__all__ = [
    "AccuracyBelowThresholdError",
    "build_model",
    "check_accuracy",
    "evaluate_model",
    "plot_confusion_matrix",
    "plot_predictions",
    "plot_training_curves",
    "report_metrics",
    "train_model",
]
