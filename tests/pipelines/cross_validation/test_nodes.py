"""Nodes of the cross_validation pipeline."""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats

from fashion_mnist.pipelines.cross_validation.nodes import (
    FoldError,
    assign_folds,
    compare_architectures,
    cross_validate,
    plot_fold_accuracies,
    summarize_folds,
)
from fashion_mnist.pipelines.cross_validation.params import CrossValidationParams
from fashion_mnist.training import TrainingParams
from tests.helpers import separable_data

LABELS = np.repeat(np.arange(10), [30, 40, 50, 60, 30, 40, 50, 60, 30, 40]).astype(
    np.uint8
)


def test_folds_are_stratified_disjoint_and_cover_every_image():
    folds = assign_folds(LABELS, CrossValidationParams(folds=5))
    assert folds.shape == LABELS.shape and set(folds) == set(range(5))
    # Every image is held out exactly once (one fold index each), and every
    # fold holds a fifth of each class.
    for label, count in enumerate(np.bincount(LABELS)):
        per_fold = np.bincount(folds[LABELS == label], minlength=5)
        assert per_fold.sum() == count
        assert per_fold.max() - per_fold.min() <= 1


def test_the_same_seed_gives_the_same_folds_for_every_run():
    params = CrossValidationParams(folds=4, seed=3)
    np.testing.assert_array_equal(
        assign_folds(LABELS, params), assign_folds(LABELS, params)
    )
    other = assign_folds(LABELS, CrossValidationParams(folds=4, seed=4))
    assert not np.array_equal(assign_folds(LABELS, params), other)
    # Shuffled: not simply the first quarter, the second quarter, ...
    assert not np.array_equal(
        np.sort(assign_folds(LABELS, params)), assign_folds(LABELS, params)
    )


def test_sample_limit_keeps_the_first_images():
    folds = assign_folds(LABELS, CrossValidationParams(folds=2, sample_limit=100))
    assert len(folds) == 100


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"folds": 31},
            "cross_validation.folds: 31 folds need at least 31 images of every class, but the smallest class has 30",
        ),
        (
            {"folds": 5, "sample_limit": 49},
            "cross_validation.sample_limit: 49 images are too few for 5 folds",
        ),
    ],
)
def test_data_that_cannot_be_split_is_refused_by_key(params, message):
    with pytest.raises(FoldError, match=re.escape(message)):
        assign_folds(LABELS, CrossValidationParams(**params))


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ({"folds": 1}, "folds"),
        ({"architectures": ["resnet"]}, "architectures"),
        ({"architectures": []}, "architectures"),
        ({"architectures": ["mlp", "mlp"]}, "architectures"),
        ({"epochs": 0}, "epochs"),
        ({"sample_limit": 0}, "sample_limit"),
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


def test_comparison_is_the_paired_t_test_over_folds():
    comparison = compare_architectures(SCORES).set_index(["first", "second"])
    assert list(comparison.index) == [("mlp", "cnn"), ("mlp", "twin"), ("cnn", "twin")]
    mlp, cnn, twin = (
        SCORES[SCORES.architecture == n]["accuracy"].to_numpy()
        for n in ("mlp", "cnn", "twin")
    )
    row = comparison.loc[("mlp", "cnn")]
    assert row["p_value"] == pytest.approx(stats.ttest_rel(mlp, cnn).pvalue, rel=1e-12)
    assert row["mean_difference"] == pytest.approx((mlp - cnn).mean())
    assert row["verdict"] == f"cnn better than mlp, p = {row['p_value']:.2g}"
    close = comparison.loc[("mlp", "twin")]
    assert close["p_value"] == pytest.approx(
        stats.ttest_rel(mlp, twin).pvalue, rel=1e-12
    )
    assert close["p_value"] > 0.05
    assert close["verdict"].startswith(
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


def test_every_architecture_is_trained_and_scored_on_the_same_folds(caplog):
    images, labels = separable_data(200)
    params = CrossValidationParams(folds=2, architectures=["mlp", "cnn"], epochs=1)
    folds = assign_folds(labels, params)
    with caplog.at_level(logging.INFO):
        table = cross_validate(images, labels, folds, params, TrainingParams())
    assert list(zip(table["architecture"], table["fold"], strict=True)) == [
        ("mlp", 1),
        ("mlp", 2),
        ("cnn", 1),
        ("cnn", 2),
    ]
    assert set(table["held_out_samples"]) == {100} and set(table["train_samples"]) == {
        100
    }
    assert table["accuracy"].between(0, 1).all() and (table["loss"] > 0).all()
    progress = re.findall(
        r"\[(\d)/4\] (\w+) fold (\d)/2: accuracy [01]\.\d{4} \(\d+ s\)", caplog.text
    )
    assert progress == [
        ("1", "mlp", "1"),
        ("2", "mlp", "2"),
        ("3", "cnn", "1"),
        ("4", "cnn", "2"),
    ]
    assert re.search(r"mlp: [01]\.\d{4} \u00b1 0\.\d{4} \(2 folds\)", caplog.text)
