"""What a modeling run hands to MLflow (through kedro-mlflow's datasets)."""

from __future__ import annotations

from typing import Any

import keras
import onnx
import pandas as pd

from fashion_mnist.metric_history import History, metric_history, single_values
from fashion_mnist.registry import ClassifierPackage

# Single numbers of metrics.json that are worth comparing between runs.
SUMMARY_METRICS = (
    "test_accuracy",
    "test_loss",
    "train_accuracy",
    "train_loss",
    "training_seconds",
    "training_samples_per_second",
)


def collect_tracked_metrics(history: pd.DataFrame, metrics: dict[str, Any]) -> History:
    """Loss and accuracy per epoch (step = epoch) and the run's summary numbers,
    in the form ``MlflowMetricsHistoryDataset`` logs."""
    tracked = {
        column: metric_history(history["epoch"], history[column])
        for column in history.columns
        if column != "epoch"
    }
    return tracked | single_values({name: metrics[name] for name in SUMMARY_METRICS})


def track_model(classifier: keras.Model) -> keras.Model:
    """The trained classifier, for MLflow to record as a model (the catalog's
    ``tracked_classifier``; nothing is recorded when tracking is off)."""
    return classifier


def package_classifier(
    classifier: keras.Model,
    classifier_onnx: onnx.ModelProto,
    accepted_metrics: dict[str, Any],
) -> ClassifierPackage:
    """The classifier that passed the accuracy check, for MLflow to record as a
    model that takes pictures (with its ONNX file) and to register (the
    catalog's ``registered_classifier``)."""
    return ClassifierPackage(
        model=classifier,
        test_accuracy=float(accepted_metrics["test_accuracy"]),
        architecture=str(accepted_metrics["architecture"]),
        onnx_model=classifier_onnx,
    )
