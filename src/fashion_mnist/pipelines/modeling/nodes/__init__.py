"""Nodes of the ``modeling`` pipeline, one module per concern."""

from .evaluation import evaluate_model, report_metrics
from .export import export_onnx
from .figures import plot_confusion_matrix, plot_predictions, plot_training_curves
from .gate import AccuracyBelowThresholdError, check_accuracy
from .tracking import collect_tracked_metrics, package_classifier, track_model
from .train import train_model

__all__ = [
    "AccuracyBelowThresholdError",
    "check_accuracy",
    "collect_tracked_metrics",
    "evaluate_model",
    "export_onnx",
    "package_classifier",
    "plot_confusion_matrix",
    "plot_predictions",
    "plot_training_curves",
    "report_metrics",
    "track_model",
    "train_model",
]
