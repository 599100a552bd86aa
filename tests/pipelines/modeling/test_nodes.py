"""Nodes of the modeling pipeline on small data."""

from __future__ import annotations

import logging

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest

from fashion_mnist.pipelines.modeling.nodes import (
    AccuracyBelowThresholdError,
    build_model,
    check_accuracy,
    confusion_matrix,
    evaluate_model,
    per_class_scores,
    plot_confusion_matrix,
    plot_predictions,
    plot_training_curves,
    report_metrics,
    train_model,
)
from fashion_mnist.pipelines.modeling.params import (
    AccuracyCheckParams,
    FiguresParams,
    ModelParams,
    TrainingParams,
)
from fashion_mnist.plotting import WRONG_COLOUR

CLASSES = [f"class {i}" for i in range(10)]


@pytest.fixture(scope="module")
def small_data():
    """200 separable images: class k has a bright row k, so a model can learn it."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 20)
    images = rng.uniform(0, 0.2, size=(200, 28, 28)).astype(np.float32)
    images[np.arange(200), labels * 2 + 4, :] = 1.0
    return images, labels


@pytest.fixture(scope="module")
def trained(small_data):
    images, labels = small_data
    training = TrainingParams(epochs=3, batch_size=32, seed=3, validation_split=0.2)
    classifier = build_model(ModelParams(architecture="mlp"), training)
    return train_model(classifier, images, labels, training)


def test_train_model_returns_history_and_summary(trained):
    classifier, history, summary = trained
    assert list(history["epoch"]) == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.columns)
    assert summary["architecture"] == "mlp"
    assert summary["parameters"] == 407_050
    assert (summary["epochs"], summary["batch_size"]) == (3, 32)
    assert summary["training_samples"] == 160  # 20 % held out for validation
    assert summary["training_seconds"] > 0
    assert summary["training_samples_per_second"] == pytest.approx(
        160 * 3 / summary["training_seconds"], rel=0.01
    )
    assert summary["train_accuracy"] == history["accuracy"].iloc[-1]


def test_evaluate_model_reports_accuracy_and_per_class_scores(trained, small_data):
    images, labels = small_data
    predictions, metrics = evaluate_model(trained[0], images, labels, CLASSES)
    assert predictions.shape == (200,)
    assert metrics["test_accuracy"] == pytest.approx(
        (predictions == labels).mean(), abs=1e-6
    )
    assert metrics["test_samples"] == 200
    assert [row["class"] for row in metrics["per_class"]] == CLASSES
    assert sum(row["support"] for row in metrics["per_class"]) == 200
    assert np.array(metrics["confusion_matrix"]).sum() == 200


def test_confusion_matrix_and_scores_by_hand():
    labels = np.array([0, 0, 1, 1, 2])
    predictions = np.array([0, 1, 1, 1, 0])
    matrix = confusion_matrix(labels, predictions, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    scores = per_class_scores(matrix, ["a", "b", "c"])
    assert scores[0] == {
        "class": "a",
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "support": 2,
    }
    assert scores[1]["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert scores[1]["recall"] == 1.0
    assert scores[2] == {
        "class": "c",
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 1,
    }


def test_report_metrics_merges_training_and_test():
    merged = report_metrics({"train_accuracy": 0.9}, {"test_accuracy": 0.8})
    assert merged == {"train_accuracy": 0.9, "test_accuracy": 0.8}


def test_predictions_plot_marks_wrong_predictions(small_data):
    images, labels = small_data
    predictions = labels.copy()
    predictions[::2] = (labels[::2] + 1) % 10  # every other prediction wrong
    figure = plot_predictions(
        images,
        labels,
        predictions,
        CLASSES,
        FiguresParams(prediction_count=20),
        TrainingParams(seed=5),
    )
    axes = [axis for axis in figure.axes if axis.get_images()]
    assert len(axes) == 20
    wrong = [axis for axis in axes if axis.xaxis.label.get_color() == WRONG_COLOUR]
    right = [axis for axis in axes if axis.xaxis.label.get_color() == "black"]
    assert len(wrong) + len(right) == 20 and wrong and right
    for axis in axes:
        true_class = axis.get_title().removeprefix("lbl: ")
        predicted = axis.get_xlabel().removeprefix("pred: ").removesuffix(" \u2717")
        assert (true_class != predicted) == (axis in wrong)
        if axis in wrong:
            spine = axis.spines["left"]
            assert matplotlib.colors.same_color(spine.get_edgecolor(), WRONG_COLOUR)
    assert f"{len(wrong)} misclassified" in figure.get_suptitle()


def test_predictions_plot_is_seeded(small_data):
    images, labels = small_data

    def titles(seed):
        figure = plot_predictions(
            images, labels, labels, CLASSES, FiguresParams(), TrainingParams(seed=seed)
        )
        return [
            axis.get_images()[0].get_array().sum()
            for axis in figure.axes
            if axis.get_images()
        ]

    assert titles(1) == titles(1)
    assert titles(1) != titles(2)


def test_confusion_matrix_plot_has_names_and_counts():
    matrix = np.arange(100).reshape(10, 10)
    figure = plot_confusion_matrix(
        {"confusion_matrix": matrix.tolist(), "test_accuracy": 0.5}, CLASSES
    )
    axis = figure.axes[0]
    assert [tick.get_text() for tick in axis.get_xticklabels()] == CLASSES
    assert [tick.get_text() for tick in axis.get_yticklabels()] == CLASSES
    texts = [text.get_text() for text in axis.texts]
    assert texts == [str(count) for count in range(100)]
    assert axis.get_xlabel() == "predicted class" and axis.get_ylabel() == "true class"


@pytest.mark.parametrize("with_validation", [False, True])
def test_training_curves_plot_loss_and_accuracy(with_validation):
    history = pd.DataFrame(
        {"epoch": [1, 2], "loss": [0.5, 0.3], "accuracy": [0.8, 0.9]}
    )
    if with_validation:
        history["val_loss"] = [0.6, 0.4]
        history["val_accuracy"] = [0.7, 0.8]
    figure = plot_training_curves(history, {"test_loss": 0.35, "test_accuracy": 0.85})
    labels = [[line.get_label() for line in axis.get_lines()] for axis in figure.axes]
    expected = [["training loss", "test loss"], ["training accuracy", "test accuracy"]]
    if with_validation:
        expected = [
            ["training loss", "validation loss", "test loss"],
            ["training accuracy", "validation accuracy", "test accuracy"],
        ]
    assert labels == expected
    assert figure.axes[1].get_lines()[-1].get_ydata()[0] == 0.85


def test_gate_fails_below_threshold_with_advice():
    with pytest.raises(AccuracyBelowThresholdError) as info:
        check_accuracy({"test_accuracy": 0.8512}, AccuracyCheckParams(threshold=0.9))
    message = str(info.value)
    assert "test accuracy 0.8512 is below the threshold 0.9000" in message
    assert "accuracy_check.split=test" in message
    assert "training.epochs" in message and "model.architecture=cnn" in message


def test_gate_checks_the_chosen_split(caplog):
    metrics = {"test_accuracy": 0.89, "train_accuracy": 0.92}
    with caplog.at_level(logging.INFO):
        check_accuracy(metrics, AccuracyCheckParams(split="train", threshold=0.9))
    assert (
        "Accuracy check passed: train accuracy 0.9200 >= threshold 0.9000"
        in caplog.text
    )
    with pytest.raises(AccuracyBelowThresholdError):
        check_accuracy(metrics, AccuracyCheckParams(split="test", threshold=0.9))


def test_gate_passes_at_exactly_the_threshold():
    check_accuracy({"test_accuracy": 0.9}, AccuracyCheckParams(threshold=0.9))
