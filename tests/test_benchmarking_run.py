"""Real Kedro runs of the benchmarking pipeline, on a tiny grid."""

from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from PIL import Image

from fashion_mnist import performance

TINY_GRID = {
    "benchmark": {
        "batch_sizes": [100, 200],
        "repeats": 1,
        "warmup_steps": 2,
        # One round of the speed table: rounds are the unit tests' subject.
        "speed": {"architectures": ["mlp"], "repeats": 1},
    },
    "data_processing": {"sample_limit": 600},
}


def test_tiny_grid_writes_workbook_with_chart_and_png(project, monkeypatch):
    # The machine this test assumes, whatever it runs on: a CPU without
    # bfloat16 instructions and no GPU, as the project's detection sees it.
    monkeypatch.setattr(performance, "gpu_compute_capabilities", lambda: [])
    monkeypatch.setattr(performance, "cpu_flags", lambda: {"avx2"})
    with KedroSession.create(project_path=project, runtime_params=TINY_GRID) as session:
        session.run(pipeline_names=["benchmarking"])

    reports = project / "data" / "08_reporting"
    workbook = reports / "benchmark.xlsx"
    sheets = pd.read_excel(workbook, sheet_name=None)
    assert list(sheets) == ["lab_table", "timings", "training_speed", "machine"]
    speed = sheets["training_speed"]
    # There, the mlp's defaults are 32 steps per call, tf.data and XLA.
    assert list(speed["setting"]) == [
        "lab settings",
        "+ steps_per_execution",
        "+ tf.data",
        "+ XLA",
    ]
    assert speed["speed_vs_lab"].iloc[0] == 1.0

    lab = sheets["lab_table"]
    assert list(lab.columns) == ["setting", 100, 200]
    assert list(lab["setting"]) == [
        "use_multiprocessing=True",
        "use_multiprocessing=False",
        "arrays (reference)",
    ]
    timings = sheets["timings"]
    for column in (
        "setting",
        "use_multiprocessing",
        "workers",
        "batch_size",
        "steps_per_epoch",
        "median_s_per_epoch",
        "startup_s_per_epoch",
        "teardown_s_per_epoch",
        "median_step_s",
        "min_s_per_epoch",
        "max_s_per_epoch",
        "samples_per_second",
    ):
        assert column in timings.columns
    assert len(timings) == 6
    assert set(timings["samples"]) == {600}
    assert set(sheets["machine"]["item"]) >= {
        "cpu",
        "cpu_cores",
        "gpu",
        "python",
        "tensorflow",
        "keras",
        "date",
    }

    with zipfile.ZipFile(workbook) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    series_names = re.findall(r"<tx><strRef><f>([^<]+)</f>", chart)
    assert series_names == ["'lab_table'!A2", "'lab_table'!A3", "'lab_table'!A4"]
    assert (
        re.findall(r"<cat><numRef><f>([^<]+)</f>", chart)
        == ["'lab_table'!$B$1:$C$1"] * 3
    )

    for figure in ("benchmark.png", "training_speed.png"):
        with Image.open(reports / figure) as image:
            assert image.format == "PNG"


@pytest.mark.parametrize(
    ("grid", "key"),
    [
        ({"batch_sizes": []}, "batch_sizes"),
        ({"repeats": 0}, "repeats"),
        ({"batch_size": [64]}, "batch_size"),
    ],
)
def test_malformed_grid_stops_the_run_before_timing(project, grid, key):
    with KedroSession.create(
        project_path=project, runtime_params={"benchmark": grid}
    ) as session:
        with pytest.raises(Exception) as info:
            session.run(pipeline_names=["benchmarking"])
    assert "Parameter 'benchmark'" in str(info.value)
    assert key in str(info.value)
    assert not (project / "data" / "08_reporting" / "benchmark.xlsx").exists()
