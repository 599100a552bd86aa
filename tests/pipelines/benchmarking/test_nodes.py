"""Benchmarking nodes and the PyDataset they time, on small data."""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from fashion_mnist.pipelines.benchmarking.batches import ArrayBatches
from fashion_mnist.pipelines.benchmarking.nodes import (
    describe_machine,
    plot_benchmark,
    run_benchmark,
    tabulate_like_the_lab,
)
from fashion_mnist.pipelines.benchmarking.params import BenchmarkParams

IMAGES = np.random.default_rng(0).uniform(0, 1, (300, 28, 28)).astype(np.float32)
LABELS = (np.arange(300) % 10).astype(np.uint8)


def test_array_batches_serve_every_sample_once_in_order():
    batches = ArrayBatches(IMAGES, LABELS, 64, workers=3, use_multiprocessing=True)
    assert len(batches) == 5
    assert (batches.workers, batches.use_multiprocessing) == (3, True)
    images = np.concatenate([batches[i][0] for i in range(len(batches))])
    labels = np.concatenate([batches[i][1] for i in range(len(batches))])
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)
    assert batches[4][0].shape == (300 - 4 * 64, 28, 28)
    with pytest.raises(IndexError):
        batches[5]


def test_grid_is_timed_cell_by_cell_with_progress(caplog):
    params = BenchmarkParams(batch_sizes=[50, 100], repeats=2, warmup_steps=2)
    with caplog.at_level(logging.INFO):
        timings = run_benchmark(IMAGES, LABELS, params)

    assert (
        list(timings["setting"])
        == [
            "use_multiprocessing=True",
            "use_multiprocessing=False",
            "arrays (reference)",
        ]
        * 2
    )
    assert list(timings["batch_size"]) == [50, 50, 50, 100, 100, 100]
    assert list(timings["steps_per_epoch"]) == [6, 6, 6, 3, 3, 3]
    assert (timings["min_s_per_epoch"] <= timings["median_s_per_epoch"]).all()
    assert (timings["median_s_per_epoch"] <= timings["max_s_per_epoch"]).all()
    assert (timings["min_s_per_epoch"] > 0).all()
    np.testing.assert_allclose(
        timings["samples_per_second"], 300 / timings["median_s_per_epoch"], rtol=0.01
    )
    progress = re.findall(
        r"\[(\d)/6\] batch_size=(\d+) (\S+ ?\S*): [\d.]+ s/epoch \(min", caplog.text
    )
    assert [(n, size) for n, size, _ in progress] == [
        ("1", "50"),
        ("2", "50"),
        ("3", "50"),
        ("4", "100"),
        ("5", "100"),
        ("6", "100"),
    ]
    assert "Benchmark finished: 6 cells in" in caplog.text


def test_sample_limit_and_settings_subset():
    params = BenchmarkParams(
        batch_sizes=[100],
        use_multiprocessing=[False],
        include_arrays=False,
        repeats=1,
        warmup_steps=1,
        sample_limit=200,
    )
    timings = run_benchmark(IMAGES, LABELS, params)
    assert list(timings["setting"]) == ["use_multiprocessing=False"]
    assert timings["samples"].tolist() == [200]
    assert timings["steps_per_epoch"].tolist() == [2]


def _timings() -> pd.DataFrame:
    rows = []
    for setting, scale in (
        ("use_multiprocessing=True", 1.2),
        ("use_multiprocessing=False", 1.0),
    ):
        for size in (32, 64, 128):
            median = scale * 64 / size
            rows.append(
                {
                    "setting": setting,
                    "batch_size": size,
                    "median_s_per_epoch": median,
                    "min_s_per_epoch": median * 0.9,
                    "max_s_per_epoch": median * 1.1,
                }
            )
    return pd.DataFrame(rows)


def test_lab_table_has_settings_as_rows_and_batch_sizes_as_columns():
    table = tabulate_like_the_lab(_timings())
    assert list(table.columns) == ["setting", 32, 64, 128]
    assert list(table["setting"]) == [
        "use_multiprocessing=True",
        "use_multiprocessing=False",
    ]
    assert table.loc[1, 32] == pytest.approx(2.0)
    assert table.loc[0, 128] == pytest.approx(0.6)


def test_machine_sheet_names_the_versions():
    machine = describe_machine(BenchmarkParams()).set_index("item")["value"]
    for item in ("date", "cpu", "cpu_cores", "gpu", "python", "tensorflow", "keras"):
        assert machine[item]
    assert machine["architecture"] == "mlp"


def test_benchmark_plot_draws_a_line_per_setting():
    figure = plot_benchmark(_timings())
    axis = figure.axes[0]
    assert [line.get_label() for line in axis.get_lines()] == [
        "use_multiprocessing=True",
        "use_multiprocessing=False",
    ]
    assert [tick.get_text() for tick in axis.get_xticklabels()] == ["32", "64", "128"]
    assert axis.get_xlabel() == "batch_size"


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ({"batch_sizes": []}, "batch_sizes"),
        ({"batch_sizes": [64, 0]}, "batch_sizes"),
        ({"batch_sizes": [64, 64]}, "batch_sizes"),
        ({"use_multiprocessing": []}, "use_multiprocessing"),
        ({"repeats": 0}, "repeats"),
        ({"epochs": 0}, "epochs"),
        ({"workers": 0}, "workers"),
        ({"batch_size": [64]}, "batch_size"),
        ({"architecture": "vgg"}, "architecture"),
    ],
)
def test_malformed_grid_is_rejected(value, key):
    with pytest.raises(ValidationError) as info:
        BenchmarkParams.model_validate(value)
    assert key in str(info.value)
