"""Nodes of the cross_validation pipeline."""

from __future__ import annotations

import itertools
import logging
import math
import re

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from fashion_mnist.pipelines.cross_validation import nodes as cv_nodes
from fashion_mnist.pipelines.cross_validation.figures import (
    plot_accuracy_against_time,
    plot_fold_accuracies,
)
from fashion_mnist.pipelines.cross_validation.nodes import (
    FoldError,
    assign_folds,
    compare_architectures,
    cross_validate,
    summarize_folds,
)
from fashion_mnist.pipelines.cross_validation.params import CrossValidationParams
from fashion_mnist.stopping import Terminated
from fashion_mnist.training import TrainingParams
from tests.helpers import separable_data, stop_in_fold

LABELS = np.repeat(np.arange(10), [30, 40, 50, 60, 30, 40, 50, 60, 30, 40]).astype(
    np.uint8
)


def test_folds_are_stratified_disjoint_and_cover_every_image():
    folds = assign_folds(LABELS, CrossValidationParams(folds=5), TrainingParams())
    assert folds.shape == LABELS.shape and set(folds) == set(range(5))
    # Each class count (30, 40, 50 or 60) is a multiple of 5: every fold holds
    # exactly a fifth of every class, so 86 of the 430 images.
    for label, count in enumerate(np.bincount(LABELS)):
        assert (
            list(np.bincount(folds[LABELS == label], minlength=5)) == [count // 5] * 5
        )
    assert list(np.bincount(folds)) == [86] * 5


def test_the_same_seed_gives_the_same_folds_for_every_run():
    params = CrossValidationParams(folds=4)
    first = assign_folds(LABELS, params, TrainingParams(seed=3))
    np.testing.assert_array_equal(
        first, assign_folds(LABELS, params, TrainingParams(seed=3))
    )
    other = assign_folds(LABELS, params, TrainingParams(seed=4))
    assert not np.array_equal(first, other)
    # Shuffled: not simply the first quarter, the second quarter, ...
    assert not np.array_equal(np.sort(first), first)


@pytest.mark.parametrize(
    ("folds", "count", "message"),
    [
        (
            31,
            len(LABELS),
            "cross_validation.folds: 31 folds need at least 31 images of every class, but the smallest class has 30",
        ),
        (
            5,
            49,
            "data_processing.sample_limit: 49 training images are too few for 5 folds",
        ),
    ],
)
def test_data_that_cannot_be_split_is_refused_by_key(folds, count, message):
    with pytest.raises(FoldError, match=re.escape(message)):
        assign_folds(
            LABELS[:count], CrossValidationParams(folds=folds), TrainingParams()
        )


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ({"folds": 1}, "folds"),
        ({"architectures": ["resnet"]}, "architectures"),
        ({"architectures": []}, "architectures"),
        ({"architectures": ["mlp", "mlp"]}, "architectures"),
        ({"epochs": 0}, "epochs"),
        ({"seed": 1}, "seed"),  # the folds are drawn with training.seed
        ({"fold": 3}, "fold"),
    ],
)
def test_bad_parameters_are_rejected_by_key(value, key):
    with pytest.raises(ValidationError) as info:
        CrossValidationParams.model_validate(value)
    assert key in str(info.value)


def _scores(table: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"architecture": name, "fold": fold, "accuracy": accuracy}
            for name, accuracies in table.items()
            for fold, accuracy in enumerate(accuracies, start=1)
        ]
    )


SCORES = _scores(
    {
        "mlp": [0.880, 0.884, 0.879, 0.886, 0.882],
        "cnn": [0.910, 0.913, 0.909, 0.915, 0.911],
        "twin": [0.881, 0.883, 0.880, 0.885, 0.883],  # close to mlp
    }
)


def _two_sided_p_with_4_degrees_of_freedom(t: float) -> float:
    # Student's t distribution with 4 degrees of freedom has a closed-form CDF:
    # F(t) = 1/2 + (3/8) s (1 - t^2 / (12 (1 + t^2 / 4))), s = t / sqrt(1 + t^2 / 4).
    s = t / math.sqrt(1 + t * t / 4)
    cdf = 0.5 + 3 / 8 * s * (1 - t * t / (12 * (1 + t * t / 4)))
    return 2 * (1 - cdf)


def test_comparison_is_the_paired_t_test_over_folds():
    """A known answer worked out by hand: fold differences 0.01 ... 0.05 have
    mean 0.03 and standard deviation sqrt(0.00025), so t = 0.03 / (sqrt(0.00025)
    / sqrt(5)) = 3 sqrt(2) with 4 degrees of freedom."""
    first = [0.90, 0.91, 0.92, 0.93, 0.94]
    second = [a - d for a, d in zip(first, [0.01, 0.02, 0.03, 0.04, 0.05], strict=True)]
    scores = _scores({"wide": first, "narrow": second, "same": first})

    comparison = compare_architectures(scores).set_index(["first", "second"])

    assert list(comparison.index) == [
        ("wide", "narrow"),
        ("wide", "same"),
        ("narrow", "same"),
    ]
    row = comparison.loc[("wide", "narrow")]
    expected_p = _two_sided_p_with_4_degrees_of_freedom(3 * math.sqrt(2))
    assert expected_p == pytest.approx(0.013236, abs=1e-6)
    assert row["p_value"] == pytest.approx(expected_p, rel=1e-9)
    assert row["mean_difference"] == pytest.approx(0.03, abs=1e-12)
    assert row["verdict"] == "wide better than narrow, p = 0.013"
    # The same accuracies on every fold: no test is possible, and it says so.
    assert comparison.loc[("wide", "same"), "verdict"] == (
        "wide and same score the same on every fold"
    )
    close = compare_architectures(SCORES).set_index(["first", "second"])
    assert close.loc[("mlp", "twin"), "p_value"] > 0.05
    assert close.loc[("mlp", "twin"), "verdict"].startswith(
        "no significant difference between mlp and twin, p = "
    )


def test_summary_has_mean_std_min_max_and_n():
    summary = summarize_folds(SCORES).set_index("architecture")
    cnn = SCORES[SCORES.architecture == "cnn"]["accuracy"]
    assert summary.loc["cnn", "mean"] == pytest.approx(cnn.mean())
    assert summary.loc["cnn", "std"] == pytest.approx(np.std(cnn, ddof=1))
    assert (summary.loc["cnn", "min"], summary.loc["cnn", "max"]) == (0.909, 0.915)
    assert summary.loc["cnn", "n"] == 5
    assert list(summary.index) == ["mlp", "cnn", "twin"]


def test_box_plot_has_a_box_and_a_marked_mean_per_architecture():
    figure = plot_fold_accuracies(SCORES)
    axis = figure.axes[0]
    assert [tick.get_text() for tick in axis.get_xticklabels()] == [
        "mlp",
        "cnn",
        "twin",
    ]
    means = [line for line in axis.get_lines() if line.get_marker() == "D"]
    assert [line.get_ydata()[0] for line in means] == pytest.approx(
        list(summarize_folds(SCORES)["mean"])
    )
    assert [text.get_text() for text in axis.texts] == [
        "mean 0.8822",
        "mean 0.9116",
        "mean 0.8824",
    ]
    assert axis.get_title() == "5-fold cross-validation on the training images"


def test_the_time_plot_labels_its_axis_when_the_times_are_close():
    # Folds of 62-82 s: a log axis would show no label between 1 and 2 minutes.
    scores = SCORES.assign(
        training_seconds=[62, 63, 64, 63, 65] + [80, 81, 82, 80, 81] + [64] * 5
    )
    figure = plot_accuracy_against_time(scores, summarize_folds(scores))
    axis = figure.axes[0]
    figure.draw_without_rendering()
    low, high = axis.get_xlim()
    labelled = [
        tick.get_loc()
        for tick in axis.xaxis.get_major_ticks()
        if tick.label1.get_text() and low <= tick.get_loc() <= high
    ]
    assert axis.get_xscale() == "linear"
    assert len(labelled) >= 3


def test_the_time_plot_keeps_the_labels_of_close_points_apart():
    # cnn and twin a second and 0.0002 apart: their labels would overlap.
    scores = SCORES.assign(
        training_seconds=[30] * 5 + [60] * 5 + [61] * 5,
        accuracy=list(SCORES["accuracy"][:5]) + [0.9116] * 5 + [0.9118] * 5,
    )
    figure = plot_accuracy_against_time(scores, summarize_folds(scores))
    figure.draw_without_rendering()
    boxes = [text.get_window_extent() for text in figure.axes[0].texts]
    assert len(boxes) == 3
    for first, second in itertools.combinations(boxes, 2):
        assert not first.overlaps(second)
    # The higher point's label stays at its height; the lower one moves down.
    offsets = {text.get_text(): text.get_position() for text in figure.axes[0].texts}
    assert offsets["twin 0.9118"][1] == 6
    assert offsets["cnn 0.9116"][1] < 6


def test_the_time_plot_keeps_the_right_most_label_inside_its_axes():
    # cnn the slowest: its label, right of the point, would cross the frame.
    scores = SCORES.assign(training_seconds=[30] * 5 + [600] * 5 + [60] * 5)
    figure = plot_accuracy_against_time(scores, summarize_folds(scores))
    figure.draw_without_rendering()
    axis = figure.axes[0]
    frame = axis.get_window_extent()
    for text in axis.texts:
        box = text.get_window_extent()
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, text.get_text()
    offsets = {text.get_text(): text.get_position() for text in axis.texts}
    assert offsets["cnn 0.9116"] == (-6, 6)  # to the left of its point
    assert offsets["mlp 0.8822"] == (6, 6)  # the others where labels go


def test_the_time_plot_puts_each_architecture_at_its_minutes_and_accuracy():
    scores = SCORES.assign(
        training_seconds=[30, 24, 27, 33, 36]  # mlp: median 30 s, 0.4 to 0.6 min
        + [300, 330, 270, 240, 360]  # cnn: median 300 s
        + [60] * 5
    )
    axis = plot_accuracy_against_time(scores, summarize_folds(scores)).axes[0]
    points = [line for line in axis.get_lines() if line.get_marker() == "o"]
    x = [line.get_xdata()[0] for line in points]
    y = [line.get_ydata()[0] for line in points]
    assert x == pytest.approx([0.5, 5.0, 1.0])
    means = [
        np.mean(SCORES.loc[SCORES.architecture == name, "accuracy"])
        for name in ("mlp", "cnn", "twin")
    ]
    assert y == pytest.approx(means)
    assert [text.get_text() for text in axis.texts] == [
        "mlp 0.8822",
        "cnn 0.9116",
        "twin 0.8824",
    ]
    # The bars: the quickest and slowest fold across, one std up and down.
    bars = [
        segment
        for collection in axis.collections
        for segment in collection.get_segments()
    ]
    across = sorted(
        (round(a[0], 9), round(b[0], 9)) for a, b in bars if a[1] == pytest.approx(b[1])
    )
    assert across == [(0.4, 0.6), (1.0, 1.0), (4.0, 6.0)]
    cnn = SCORES[SCORES.architecture == "cnn"]["accuracy"]
    up_down = [b[1] - a[1] for a, b in bars if a[0] == pytest.approx(b[0])]
    assert pytest.approx(2 * np.std(cnn, ddof=1)) in up_down
    assert axis.get_xscale() == "log"


def test_every_architecture_is_trained_and_scored_on_the_same_folds(
    caplog, monkeypatch
):
    """Spies on the real training and scoring record which images each model
    learnt from and was scored on; the table's accuracies are counted again
    from the trained models."""
    images, labels = separable_data(200)
    params = CrossValidationParams(folds=2, architectures=["mlp", "cnn"], epochs=1)
    folds = assign_folds(labels, params, TrainingParams())
    trained, scored = [], []
    real_train, real_score = cv_nodes.train_classifier, cv_nodes.score_classifier

    def train_spy(architecture, train_images, *args, **kwargs):
        model, result = real_train(architecture, train_images, *args, **kwargs)
        trained.append((architecture, train_images.tobytes(), model))
        return model, result

    def score_spy(model, held_images, held_labels):
        scored.append((held_images.tobytes(), held_images, held_labels))
        return real_score(model, held_images, held_labels)

    monkeypatch.setattr(cv_nodes, "train_classifier", train_spy, raising=True)
    monkeypatch.setattr(cv_nodes, "score_classifier", score_spy, raising=True)
    with caplog.at_level(logging.INFO):
        table = cross_validate(images, labels, folds, params, TrainingParams())

    assert list(zip(table["architecture"], table["fold"], strict=True)) == [
        ("mlp", 1),
        ("mlp", 2),
        ("cnn", 1),
        ("cnn", 2),
    ]
    # The folds are the outer loop (the networks alternate), and fold k: both
    # networks learnt from the same images and were scored on the same others,
    # which are exactly the images assign_folds put in fold k.
    for fold in (0, 1):
        mlp, cnn = trained[2 * fold], trained[2 * fold + 1]
        assert (mlp[0], cnn[0]) == ("mlp", "cnn")
        assert mlp[1] == cnn[1] == images[folds != fold].tobytes()
        held = images[folds == fold].tobytes()
        assert scored[2 * fold][0] == scored[2 * fold + 1][0] == held
    assert trained[0][1] != trained[2][1]
    # The table is grouped by network: run order mlp 1, cnn 1, mlp 2, cnn 2.
    run_of_row = [0, 2, 1, 3]
    for row, run in zip(table.itertuples(), run_of_row, strict=True):
        model = trained[run][2]
        _, held_images, held_labels = scored[run]
        counted = np.mean(
            model.predict(held_images, verbose=0).argmax(axis=1) == held_labels
        )
        assert row.accuracy == pytest.approx(counted, abs=1e-9)
        assert row.held_out_samples == len(held_labels) == 100
    progress = re.findall(
        r"\[(\d)/4\] (\w+) fold (\d)/2: accuracy [01]\.\d{4} \(\d+ s\)", caplog.text
    )
    assert progress == [
        ("1", "mlp", "1"),
        ("2", "cnn", "1"),
        ("3", "mlp", "2"),
        ("4", "cnn", "2"),
    ]
    assert re.search(r"mlp: [01]\.\d{4} \u00b1 0\.\d{4} \(2 folds\)", caplog.text)


def _raise(stop: KeyboardInterrupt):
    def raising() -> None:
        raise stop

    return raising


def test_a_stopped_run_keeps_the_whole_folds_every_network_finished(
    caplog, monkeypatch
):
    images, labels = separable_data(200)
    params = CrossValidationParams(folds=3, architectures=["mlp", "cnn"], epochs=1)
    folds = assign_folds(labels, params, TrainingParams())
    # Stopped in cnn's second fold: mlp's second fold is done but cnn's is not.
    calls = stop_in_fold(monkeypatch, 4, _raise(Terminated("stopped by SIGTERM")))
    with caplog.at_level(logging.WARNING):
        table = cross_validate(images, labels, folds, params, TrainingParams())

    assert calls == [("mlp", 1), ("cnn", 1), ("mlp", 2), ("cnn", 2)]
    assert list(zip(table["architecture"], table["fold"], strict=True)) == [
        ("mlp", 1),
        ("cnn", 1),
    ]
    assert table["held_out_samples"].tolist() == [int((folds == 0).sum())] * 2
    assert "Stopped during fold 2/3: the results cover the 1 whole fold(s)" in (
        caplog.text
    )
    # One fold has no spread and no paired test, and says so.
    comparison = compare_architectures(table)
    assert comparison["verdict"].tolist() == [
        "one fold: too few to test mlp against cnn"
    ]
    assert math.isnan(comparison["p_value"].iloc[0])
    summary = summarize_folds(table)
    assert math.isnan(summary["std"].iloc[0])
    # MLflow gets the means, and no spread for one fold.
    assert sorted(cv_nodes.collect_tracked_metrics(table, summary)) == [
        "cnn.fold_accuracy",
        "cnn.mean_accuracy",
        "mlp.fold_accuracy",
        "mlp.mean_accuracy",
    ]


def test_a_run_stopped_in_its_first_fold_stops(monkeypatch):
    # Stopped in cnn's first fold, no fold is whole: the stop ends the run.
    images, labels = separable_data(200)
    params = CrossValidationParams(folds=2, architectures=["mlp", "cnn"], epochs=1)
    folds = assign_folds(labels, params, TrainingParams())
    calls = stop_in_fold(monkeypatch, 2, _raise(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        cross_validate(images, labels, folds, params, TrainingParams())
    assert calls == [("mlp", 1), ("cnn", 1)]


CANDIDATE = {
    "architecture": "cnn_bn",
    "training": {"epochs": 8, "learning_rate": 0.02, "shape": {"width": 16}},
}


@pytest.mark.parametrize(
    ("variants", "key"),
    [
        ({"cnn": CANDIDATE}, "variants: ['cnn'] name networks"),
        ({"x": {"architecture": "resnet"}}, "variants.x.architecture"),
        ({"x": {"architecture": "cnn", "training": {"epoch": 3}}}, "training.epoch"),
        ({"x": {"architecture": "cnn", "training": {"epochs": 0}}}, "training.epochs"),
        ({"x": {"architecture": "cnn", "epochs": 3}}, "variants.x.epochs"),
    ],
)
def test_bad_variants_are_rejected_by_key(variants, key):
    with pytest.raises(ValidationError) as info:
        CrossValidationParams.model_validate({"variants": variants})
    assert key in str(info.value)


def test_a_variant_has_the_training_section_then_its_keys_then_the_folds_epochs():
    params = CrossValidationParams.model_validate(
        {"architectures": ["cnn_bn"], "variants": {"candidate": CANDIDATE}}
    )
    training = TrainingParams.model_validate(
        {"learning_rate": 0.005, "shape": {"dropout": 0.3}, "validation_split": 0.1}
    )
    (name, architecture, default), (vname, varchitecture, variant) = params.plan(
        training
    )
    assert (name, architecture, vname, varchitecture) == (
        "cnn_bn",
        "cnn_bn",
        "candidate",
        "cnn_bn",
    )
    assert (default.learning_rate, default.epochs) == (0.005, None)
    # The variant's keys win; nested sections merge key by key.
    assert (variant.learning_rate, variant.epochs) == (0.02, 8)
    assert (variant.shape.width, variant.shape.dropout) == (16, 0.3)
    assert default.validation_split == variant.validation_split == 0.0
    recipe = variant.recipe("cnn_bn")
    assert (recipe.width, recipe.dropout, recipe.epochs) == (16, 0.3, 8)
    # cross_validation.epochs, for a quicker run, applies to every entry.
    quick = params.model_copy(update={"epochs": 2}).plan(training)
    assert [settings.epochs for _, _, settings in quick] == [2, 2]


def test_a_variant_that_does_not_fit_its_network_stops_before_any_training(
    monkeypatch,
):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before the plan was checked")

    monkeypatch.setattr(cv_nodes, "train_classifier", no_training, raising=True)
    params = CrossValidationParams.model_validate(
        {
            "architectures": ["mlp"],
            "variants": {"wide_cnn": {**CANDIDATE, "architecture": "cnn"}},
        }
    )
    images, labels = separable_data(40)
    with pytest.raises(ValueError, match="cross_validation: wide_cnn: training.shape"):
        cross_validate(images, labels, labels % 2, params, TrainingParams())


def test_a_variant_is_trained_with_its_settings_and_reported_under_its_name(
    monkeypatch,
):
    images, labels = separable_data(200)
    params = CrossValidationParams.model_validate(
        {
            "folds": 2,
            "epochs": 1,
            "architectures": ["mlp"],
            "variants": {
                "mlp_sgd": {"architecture": "mlp", "training": {"optimizer": "sgd"}}
            },
        }
    )
    folds = assign_folds(labels, params, TrainingParams())
    trained = []
    real_train = cv_nodes.train_classifier

    def train_spy(architecture, train_images, train_labels, settings):
        model, result = real_train(architecture, train_images, train_labels, settings)
        trained.append((architecture, settings.optimizer, type(model.optimizer)))
        return model, result

    monkeypatch.setattr(cv_nodes, "train_classifier", train_spy, raising=True)
    table = cross_validate(images, labels, folds, params, TrainingParams())

    assert list(table["architecture"]) == ["mlp", "mlp", "mlp_sgd", "mlp_sgd"]
    assert [(a, o) for a, o, _ in trained] == [("mlp", None), ("mlp", "sgd")] * 2
    assert [kind.__name__ for _, _, kind in trained] == ["Adam", "SGD", "Adam", "SGD"]
    assert list(summarize_folds(table)["architecture"]) == ["mlp", "mlp_sgd"]
