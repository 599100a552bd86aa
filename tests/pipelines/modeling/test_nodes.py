"""Nodes of the modeling pipeline on small data."""

from __future__ import annotations

import logging

import keras
import matplotlib.colors
import numpy as np
import pandas as pd
import pytest

from fashion_mnist.pipelines.modeling.nodes import (
    AccuracyBelowThresholdError,
    check_accuracy,
    evaluate_model,
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
from fashion_mnist.training import train_classifier
from fashion_mnist_classifier.data_spec import CLASS_NAMES
from tests.helpers import separable_data

SMALL = TrainingParams(epochs=3, batch_size=32, seed=3, validation_split=0.2)


@pytest.fixture(scope="module")
def small_data():
    return separable_data(200)


MLP = ModelParams(architecture="mlp")


@pytest.fixture(scope="module")
def trained(small_data):
    images, labels = small_data
    return train_model(images, labels, MLP, SMALL)


def test_train_model_returns_history_and_summary(trained):
    classifier, history, summary = trained
    assert list(history["epoch"]) == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.columns)
    assert summary["architecture"] == "mlp"
    assert summary["parameters"] == 407_050
    assert (summary["epochs"], summary["batch_size"]) == (3, 32)
    assert summary["training_samples"] == 160  # 20 % held out for validation
    # Derived from the same unrounded timing, so exact on any machine's speed.
    assert summary["training_samples_per_second"] == pytest.approx(
        160 * 3 / summary["training_seconds"]
    )
    assert summary["train_accuracy"] == history["accuracy"].iloc[-1]
    assert history["accuracy"].iloc[-1] > 0.5  # the rows are easy to tell apart
    assert summary["recipe"]["schedule"] == "constant"
    assert set(summary["performance"]) == {
        "steps_per_execution",
        "precision",
        "input_pipeline",
        "jit_compile",
    }


def test_the_default_trains_with_its_recipe_and_predicts_with_flip_tta(small_data):
    images, labels = small_data
    quick = TrainingParams(epochs=1, seed=0)
    classifier, history, summary = train_model(images, labels, ModelParams(), quick)
    assert summary["architecture"] == "cnn_bn"
    assert summary["recipe"]["label_smoothing"] == 0.1
    assert summary["batch_size"] == 128 and len(history) == 1
    assert classifier.get_layer("tta") is not None
    # The smoothed, one-hot loss is what evaluation reports: counted here by
    # hand from the model's probabilities, with targets 0.9 + 0.01 on the true
    # class and 0.01 elsewhere (label smoothing 0.1 over ten classes).
    _, metrics = evaluate_model(classifier, images, labels)
    probabilities = np.clip(classifier.predict(images, verbose=0), 1e-7, 1)
    targets = np.full((len(labels), 10), 0.01)
    targets[np.arange(len(labels)), labels] += 0.9
    expected = np.mean(-np.sum(targets * np.log(probabilities), axis=1))
    assert metrics["test_loss"] == pytest.approx(expected, rel=1e-5)


def test_same_seed_gives_the_same_numbers(small_data, trained):
    """The README's promise: on one machine, a seed fixes the whole result."""
    images, labels = small_data
    again = train_model(images, labels, MLP, SMALL)
    pd.testing.assert_frame_equal(again[1], trained[1])
    for first, second in zip(
        again[0].get_weights(), trained[0].get_weights(), strict=True
    ):
        np.testing.assert_array_equal(first, second)
    other = SMALL.model_copy(update={"seed": 4})
    different = train_model(images, labels, MLP, other)
    assert not different[1]["loss"].equals(trained[1]["loss"])


def test_evaluate_model_reports_accuracy_loss_and_per_class_scores(trained):
    classifier = trained[0]
    images, labels = separable_data(100, seed=9)
    predictions, metrics = evaluate_model(classifier, images, labels)
    assert predictions.shape == (100,)
    assert metrics["test_accuracy"] == pytest.approx((predictions == labels).mean())
    # The compiled loss, recomputed here from the model's own probabilities.
    probabilities = classifier.predict(images, verbose=0)
    expected_loss = keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)
    assert metrics["test_loss"] == pytest.approx(float(expected_loss), rel=1e-5)
    assert metrics["test_samples"] == 100
    assert [row["class"] for row in metrics["per_class"]] == list(CLASS_NAMES)
    assert sum(row["support"] for row in metrics["per_class"]) == 100
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.sum() == 100 and np.trace(matrix) == (predictions == labels).sum()


def test_per_class_scores_match_a_hand_count(monkeypatch):
    """Three of the ten classes, with predictions chosen to give known scores."""
    labels = np.array([0, 0, 1, 1, 2])
    predictions = np.array([0, 1, 1, 1, 0])

    class Fixed(keras.Model):
        def predict(self, images, **kwargs):
            return np.eye(10, dtype=np.float32)[predictions] * 0.9 + 0.01

        def compute_loss(self, **kwargs):
            return 0.5

    _, metrics = evaluate_model(Fixed(), np.zeros((5, 28, 28)), labels)
    rows = {row["class"]: row for row in metrics["per_class"]}
    assert rows["T-shirt/top"] == {
        "class": "T-shirt/top",
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "support": 2,
    }
    assert rows["Trouser"]["precision"] == pytest.approx(2 / 3)
    assert rows["Trouser"]["recall"] == 1.0
    assert rows["Pullover"]["f1"] == 0.0 and rows["Pullover"]["support"] == 1
    assert rows["Bag"]["support"] == 0
    assert np.array(metrics["confusion_matrix"])[:3, :3].tolist() == [
        [1, 1, 0],
        [0, 2, 0],
        [1, 0, 0],
    ]


def test_report_metrics_merges_training_and_test():
    merged = report_metrics({"train_accuracy": 0.9}, {"test_accuracy": 0.8})
    assert merged == {"train_accuracy": 0.9, "test_accuracy": 0.8}


def test_predictions_plot_marks_wrong_predictions(small_data):
    images, labels = small_data
    predictions = labels.copy()
    predictions[::2] = (labels[::2] + 1) % 10  # every other prediction wrong
    figure = plot_predictions(
        images, labels, predictions, FiguresParams(prediction_count=20), SMALL
    )
    axes = [axis for axis in figure.axes if axis.get_images()]
    assert len(axes) == 20
    wrong = [axis for axis in axes if axis.xaxis.label.get_color() == WRONG_COLOUR]
    right = [axis for axis in axes if axis.xaxis.label.get_color() == "black"]
    assert len(wrong) + len(right) == 20 and wrong and right
    for axis in axes:
        true_class = axis.get_title().removeprefix("lbl: ")
        predicted = axis.get_xlabel().removeprefix("pred: ").removesuffix(" \u2717")
        assert true_class in CLASS_NAMES and predicted in CLASS_NAMES
        assert (true_class != predicted) == (axis in wrong)
        if axis in wrong:
            spine = axis.spines["left"]
            assert matplotlib.colors.same_color(spine.get_edgecolor(), WRONG_COLOUR)
        assert axis.get_images()[0].get_array().std() > 0  # a real image is drawn
    assert (
        figure.get_suptitle()
        == f"20 random test images: {len(wrong)} misclassified (red)"
    )


def test_predictions_plot_is_seeded(small_data):
    images, labels = small_data

    def pictured(seed):
        figure = plot_predictions(
            images, labels, labels, FiguresParams(), TrainingParams(seed=seed)
        )
        return [
            axis.get_images()[0].get_array().sum()
            for axis in figure.axes
            if axis.get_images()
        ]

    assert pictured(1) == pictured(1)
    assert pictured(1) != pictured(2)


def test_confusion_matrix_plot_has_names_counts_and_title():
    matrix = np.arange(100).reshape(10, 10)
    figure = plot_confusion_matrix(
        {"confusion_matrix": matrix.tolist(), "test_accuracy": 0.5}
    )
    axis = figure.axes[0]
    assert [tick.get_text() for tick in axis.get_xticklabels()] == list(CLASS_NAMES)
    assert [tick.get_text() for tick in axis.get_yticklabels()] == list(CLASS_NAMES)
    assert [text.get_text() for text in axis.texts] == [str(n) for n in range(100)]
    assert axis.get_xlabel() == "predicted class" and axis.get_ylabel() == "true class"
    assert axis.get_title() == "Confusion matrix on 4,950 test images (accuracy 50.00%)"
    np.testing.assert_array_equal(axis.get_images()[0].get_array(), matrix)
    assert len(figure.axes) == 2  # the matrix and its colour bar


@pytest.mark.parametrize("with_validation", [False, True])
def test_training_curves_plot_loss_and_accuracy(with_validation):
    history = pd.DataFrame(
        {"epoch": [1, 2], "loss": [0.5, 0.3], "accuracy": [0.8, 0.9]}
    )
    if with_validation:
        history["val_loss"] = [0.6, 0.4]
        history["val_accuracy"] = [0.7, 0.8]
    figure = plot_training_curves(history, {"test_loss": 0.35, "test_accuracy": 0.85})
    assert [axis.get_title() for axis in figure.axes] == [
        "Loss per epoch",
        "Accuracy per epoch",
    ]
    labels = [[line.get_label() for line in axis.get_lines()] for axis in figure.axes]
    expected = [["training loss", "test loss"], ["training accuracy", "test accuracy"]]
    if with_validation:
        expected = [
            ["training loss", "validation loss", "test loss"],
            ["training accuracy", "validation accuracy", "test accuracy"],
        ]
    assert labels == expected
    accuracy_lines = figure.axes[1].get_lines()
    assert list(accuracy_lines[0].get_ydata()) == [0.8, 0.9]
    assert accuracy_lines[-1].get_ydata()[0] == 0.85


def test_gate_fails_below_threshold_with_advice():
    with pytest.raises(AccuracyBelowThresholdError) as info:
        check_accuracy({"test_accuracy": 0.8512}, AccuracyCheckParams(threshold=0.9))
    message = str(info.value)
    assert "test accuracy 0.8512 is below the threshold 0.9000" in message
    assert "accuracy_check.split=test" in message
    assert "training.epochs" in message and "model.architecture" in message


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


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("adam", keras.optimizers.Adam),
        ("adamw", keras.optimizers.AdamW),
        ("sgd", keras.optimizers.SGD),
    ],
)
def test_training_optimizer_chooses_the_optimizer(small_data, name, kind):
    images, labels = small_data
    settings = TrainingParams(
        epochs=1, optimizer=name, performance={"precision": "float32"}
    )
    model, result = train_classifier("mlp", images, labels, settings)
    assert result.recipe.optimizer == name
    assert type(model.optimizer) is kind  # AdamW is a subclass of Adam
    if name == "sgd":
        assert model.optimizer.nesterov and model.optimizer.momentum == 0.9


def test_ema_predicts_with_the_moving_average_of_the_weights(small_data):
    """``training.ema=true``: Keras keeps a moving average of the weights and the
    trained model has it. Same seed, same steps, so only the averaging differs."""
    images, labels = small_data
    settings = TrainingParams(epochs=2, seed=0, performance={"precision": "float32"})
    averaged, result = train_classifier(
        "mlp", images, labels, settings.model_copy(update={"ema": True})
    )
    last, _ = train_classifier("mlp", images, labels, settings)
    again, _ = train_classifier("mlp", images, labels, settings)
    assert result.recipe.ema and averaged.optimizer.use_ema
    assert not last.optimizer.use_ema
    for a, b in zip(last.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)  # training repeats exactly
    kernel = 0  # the first dense layer's kernel
    assert not np.allclose(
        averaged.get_weights()[kernel], last.get_weights()[kernel], atol=1e-4
    )
    # Keras' average is what the optimizer kept in its EMA slots.
    slots = [v for v in averaged.optimizer.variables if "average" in v.path]
    assert slots, [v.path for v in averaged.optimizer.variables]
