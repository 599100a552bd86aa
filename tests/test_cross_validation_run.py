"""A real Kedro run of the cross_validation pipeline on a small subset."""

from __future__ import annotations

import math
import os
import signal

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from PIL import Image

from fashion_mnist import stopping
from fashion_mnist.pipelines import cross_validation
from fashion_mnist.pipelines.cross_validation.nodes import FoldError
from tests.helpers import stop_in_fold

SMALL = {
    "data_processing": {"sample_limit": 600},
    "cross_validation": {"folds": 3, "epochs": 1, "architectures": ["mlp", "cnn"]},
}


def test_small_run_writes_the_workbook_and_the_box_plot(project):
    with KedroSession.create(project_path=project, runtime_params=SMALL) as session:
        session.run(pipeline_names=["cross_validation"])

    reports = project / "data" / "08_reporting"
    sheets = pd.read_excel(reports / "cross_validation.xlsx", sheet_name=None)
    assert list(sheets) == ["folds", "summary", "comparison"]
    folds = sheets["folds"]
    assert list(folds.columns[:5]) == [
        "architecture",
        "fold",
        "accuracy",
        "loss",
        "training_seconds",
    ]
    assert list(zip(folds["architecture"], folds["fold"], strict=True)) == [
        ("mlp", 1),
        ("mlp", 2),
        ("mlp", 3),
        ("cnn", 1),
        ("cnn", 2),
        ("cnn", 3),
    ]
    # Each of the 600 training images held out once per architecture.
    assert list(folds.groupby("architecture")["held_out_samples"].sum()) == [600, 600]
    assert list(sheets["summary"].columns) == [
        "architecture",
        "mean",
        "std",
        "min",
        "max",
        "n",
    ]
    # The comparison sheet's p-value, worked out again from the folds sheet:
    # the paired t statistic over 3 folds, and Student's t with 2 degrees of
    # freedom, whose two-sided tail is 1 - |t| / sqrt(2 + t^2).
    accuracy = folds.pivot(index="fold", columns="architecture", values="accuracy")
    differences = (accuracy["mlp"] - accuracy["cnn"]).to_numpy()
    t = differences.mean() / (differences.std(ddof=1) / math.sqrt(3))
    comparison = sheets["comparison"]
    assert list(comparison[["first", "second"]].iloc[0]) == ["mlp", "cnn"]
    assert comparison["mean_difference"].iloc[0] == pytest.approx(differences.mean())
    assert comparison["p_value"].iloc[0] == pytest.approx(
        1 - abs(t) / math.sqrt(2 + t * t), rel=1e-6
    )
    assert f"p = {comparison['p_value'].iloc[0]:.2g}" in comparison["verdict"].iloc[0]
    for figure in ("cross_validation.png", "cross_validation_time.png"):
        with Image.open(reports / figure) as image:
            assert image.format == "PNG"


def test_a_run_stopped_by_sigterm_reports_its_whole_folds(project, monkeypatch):
    """SIGTERM in mlp's third fold, sent by the process to itself (no timing
    involved): the run writes the workbook and both figures of folds 1 and 2."""
    calls = stop_in_fold(monkeypatch, 5, lambda: os.kill(os.getpid(), signal.SIGTERM))
    with KedroSession.create(project_path=project, runtime_params=SMALL) as session:
        session.run(pipeline_names=["cross_validation"])

    assert calls[-1] == ("mlp", 3)
    reports = project / "data" / "08_reporting"
    sheets = pd.read_excel(reports / "cross_validation.xlsx", sheet_name=None)
    assert list(zip(sheets["folds"]["architecture"], sheets["folds"]["fold"])) == [
        ("mlp", 1),
        ("mlp", 2),
        ("cnn", 1),
        ("cnn", 2),
    ]
    assert sheets["summary"]["n"].tolist() == [2, 2]
    for figure in ("cross_validation.png", "cross_validation_time.png"):
        with Image.open(reports / figure) as image:
            assert image.format == "PNG"
    # The run's SIGTERM handler is gone with the run.
    assert signal.getsignal(signal.SIGTERM) is not stopping.raise_terminated


@pytest.mark.parametrize(
    ("params", "expected", "key"),
    [
        ({"folds": 1}, Exception, "folds"),
        ({"architectures": ["resnet"]}, Exception, "architectures"),
        (
            {
                "variants": {
                    "wide_cnn": {
                        "architecture": "cnn",
                        "training": {"shape": {"width": 8}},
                    }
                }
            },
            ValueError,
            "cross_validation: wide_cnn: training.shape",
        ),
        ({"folds": 5, "sample_limit": 40}, FoldError, "data_processing.sample_limit"),
    ],
)
def test_bad_input_stops_before_any_training(project, params, expected, key):
    limit = params.pop("sample_limit", 600)
    runtime = {
        "data_processing": {"sample_limit": limit},
        "cross_validation": {**SMALL["cross_validation"], **params},
    }
    with KedroSession.create(project_path=project, runtime_params=runtime) as session:
        with pytest.raises(expected) as info:
            session.run(pipeline_names=["cross_validation"])
    assert key in str(info.value)
    assert not (project / "data" / "08_reporting" / "cross_validation.xlsx").exists()


def test_the_test_images_are_not_an_input_of_cross_validation():
    pipeline = cross_validation.create_pipeline()
    used = {name for node in pipeline.nodes for name in node.inputs}
    assert {"train_images", "train_labels"} <= used
    assert not {"test_images", "test_labels"} & used
