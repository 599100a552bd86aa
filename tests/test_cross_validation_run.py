"""A real Kedro run of the cross_validation pipeline on a small subset."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from PIL import Image

from fashion_mnist.pipelines.cross_validation.nodes import FoldError

SMALL = {
    "data_processing": {"sample_limit": 900},
    "cross_validation": {
        "folds": 3,
        "epochs": 1,
        "sample_limit": 600,
        "architectures": ["mlp", "cnn"],
    },
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
    assert set(folds["held_out_samples"]) == {200}  # the 10,000 test images unused
    assert list(sheets["summary"].columns) == [
        "architecture",
        "mean",
        "std",
        "min",
        "max",
        "n",
    ]
    comparison = sheets["comparison"]
    assert len(comparison) == 1 and 0 <= comparison["p_value"].iloc[0] <= 1
    assert "p = " in comparison["verdict"].iloc[0]
    with Image.open(reports / "cross_validation.png") as image:
        assert image.format == "PNG"


@pytest.mark.parametrize(
    ("params", "expected", "key"),
    [
        ({"folds": 1}, Exception, "folds"),
        ({"architectures": ["resnet"]}, Exception, "architectures"),
        ({"folds": 5, "sample_limit": 40}, FoldError, "cross_validation.sample_limit"),
    ],
)
def test_bad_input_stops_before_any_training(project, params, expected, key):
    runtime = {**SMALL, "cross_validation": {**SMALL["cross_validation"], **params}}
    with KedroSession.create(project_path=project, runtime_params=runtime) as session:
        with pytest.raises(expected) as info:
            session.run(pipeline_names=["cross_validation"])
    assert key in str(info.value)
    assert not (project / "data" / "08_reporting" / "cross_validation.xlsx").exists()
