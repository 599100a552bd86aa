"""Benchmarking nodes and the PyDataset they time, on small data."""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import threading

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from fashion_mnist import performance
from fashion_mnist.networks import build_classifier
from fashion_mnist.performance import Levers
from fashion_mnist.pipelines.benchmarking import speed as speed_module
from fashion_mnist.pipelines.benchmarking.batches import (
    ArrayBatches,
    worker_start_method,
)
from fashion_mnist.pipelines.benchmarking.nodes import (
    EpochTiming,
    describe_machine,
    plot_benchmark,
    run_benchmark,
    tabulate_like_the_lab,
)
from fashion_mnist.pipelines.benchmarking.params import BenchmarkParams
from fashion_mnist.pipelines.benchmarking.speed import (
    compare_training_speed,
    lever_steps,
    plot_training_speed,
    summarize_speed_runs,
)
from fashion_mnist.training import TrainingParams

IMAGES = np.random.default_rng(0).uniform(0, 1, (300, 28, 28)).astype(np.float32)
LABELS = (np.arange(300) % 10).astype(np.uint8)


def _all_batches(batches: ArrayBatches) -> tuple[np.ndarray, np.ndarray]:
    images = np.concatenate([batches[i][0] for i in range(len(batches))])
    labels = np.concatenate([batches[i][1] for i in range(len(batches))])
    return images, labels


def test_array_batches_serve_every_sample_once_per_epoch_in_a_new_order():
    batches = ArrayBatches(
        IMAGES, LABELS, 64, seed=1, workers=3, use_multiprocessing=True
    )
    assert len(batches) == 5
    assert (batches.workers, batches.use_multiprocessing) == (3, True)
    assert batches[4][0].shape == (300 - 4 * 64, 28, 28)
    with pytest.raises(IndexError):
        batches[5]
    orders = []
    for _ in range(2):
        images, labels = _all_batches(batches)
        # Every sample once, image and label still together.
        order = np.array(
            [np.flatnonzero((IMAGES == image).all(axis=(1, 2)))[0] for image in images]
        )
        assert sorted(order) == list(range(300))
        np.testing.assert_array_equal(labels, LABELS[order])
        orders.append(order)
        batches.on_epoch_end()
    assert not np.array_equal(orders[0], orders[1])  # reshuffled, like fit(x, y)
    assert not np.array_equal(orders[0], np.arange(300))


class _RecordingBatches(ArrayBatches):
    """Writes which process and thread served each batch into a shared file."""

    marker = None

    def __init__(self, *args, log: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.log = log

    def __getitem__(self, index):
        # A started (not forked) worker imports this module afresh, without
        # what the test process set on the class at run time.
        fresh = "fresh" if _RecordingBatches.marker is None else "copied"
        with open(self.log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {threading.get_ident()} {fresh}\n")
        return super().__getitem__(index)

    def on_epoch_begin(self):
        with open(self.log, "a", encoding="utf-8") as out:
            out.write("epoch\n")


def _where_available(method: str):
    return pytest.param(
        True,
        method,
        marks=pytest.mark.skipif(
            method not in multiprocessing.get_all_start_methods(),
            reason=f"{method} does not exist on this platform",
        ),
    )


@pytest.mark.parametrize(
    ("use_multiprocessing", "start_method"),
    [
        _where_available("fork"),
        _where_available("spawn"),
        _where_available("forkserver"),
        (False, None),
    ],
)
def test_the_flag_decides_whether_processes_or_threads_serve_batches(
    tmp_path, monkeypatch, use_multiprocessing, start_method
):
    monkeypatch.setattr(_RecordingBatches, "marker", "set by the test process")
    log = tmp_path / "served.txt"
    feed = _RecordingBatches(
        IMAGES,
        LABELS,
        50,
        # A started (not forked) worker imports Keras: one is enough.
        workers=3 if start_method in ("fork", None) else 1,
        use_multiprocessing=use_multiprocessing,
        log=str(log),
    )
    model = build_classifier("mlp", seed=0)
    before = multiprocessing.get_start_method(allow_none=True)
    with worker_start_method(start_method) as used:
        assert multiprocessing.get_start_method() == used
        model.fit(feed, epochs=1, verbose=0)
    assert multiprocessing.get_start_method(allow_none=True) == before
    lines = log.read_text().splitlines()
    # Before the epoch, Keras reads a batch or two itself to learn their shape;
    # the epoch's batches are served by the pool.
    served = [line.split() for line in lines[lines.index("epoch") + 1 :]]
    assert len(served) >= len(feed) - 3
    pids = {int(pid) for pid, _, _ in served}
    threads = {int(thread) for _, thread, _ in served}
    states = {state for _, _, state in served}
    if use_multiprocessing:
        assert os.getpid() not in pids  # every batch came from a worker process
        # fork copies this process; spawn and forkserver start new interpreters
        assert states == {"copied" if start_method == "fork" else "fresh"}
    else:
        assert pids == {os.getpid()}  # this process ...
        assert threading.main_thread().ident not in threads  # ... its worker threads
        assert states == {"copied"}


def test_a_start_method_this_platform_lacks_is_refused():
    available = multiprocessing.get_all_start_methods()
    for method in ("fork", "spawn", "forkserver"):
        if method in available:
            assert BenchmarkParams(start_method=method).start_method == method
        else:
            with pytest.raises(ValidationError, match="not available"):
                BenchmarkParams(start_method=method)
    with pytest.raises(ValidationError):
        BenchmarkParams(start_method="thread")


@pytest.mark.skipif(
    "spawn" not in multiprocessing.get_all_start_methods(), reason="no spawn"
)
def test_tiny_grid_runs_with_spawned_workers(caplog):
    params = BenchmarkParams(
        batch_sizes=[100],
        use_multiprocessing=[True],
        include_arrays=False,
        workers=1,
        start_method="spawn",
        repeats=1,
        warmup_steps=1,
    )
    before = multiprocessing.get_start_method(allow_none=True)
    with caplog.at_level(logging.INFO):
        timings = run_benchmark(IMAGES, LABELS, params, TrainingParams())
    assert list(timings["start_method"]) == ["spawn"]
    assert list(timings["steps_per_epoch"]) == [3]
    assert "Worker processes start with 'spawn'" in caplog.text
    assert multiprocessing.get_start_method(allow_none=True) == before


def test_epoch_timing_splits_pool_startup_and_teardown_from_steps():
    # A made-up clock: the first step waited 0.5 s for the pool, the others
    # took 0.1 s each, and stopping the pool took 0.3 s.
    timing = EpochTiming.from_clock(10.0, [10.6, 10.7, 10.8, 10.9], 11.2)
    assert timing.seconds == pytest.approx(1.2)
    assert timing.step == pytest.approx(0.1)
    assert timing.startup == pytest.approx(0.5)
    assert timing.teardown == pytest.approx(0.3)


def test_grid_is_timed_cell_by_cell_with_progress(caplog):
    params = BenchmarkParams(
        batch_sizes=[50, 100], use_multiprocessing=[True], repeats=2, warmup_steps=2
    )
    with caplog.at_level(logging.INFO):
        timings = run_benchmark(IMAGES, LABELS, params, TrainingParams())

    assert (
        list(timings["setting"])
        == [
            "use_multiprocessing=True",
            "arrays (reference)",
        ]
        * 2
    )
    assert list(timings["batch_size"]) == [50, 50, 100, 100]
    assert list(timings["steps_per_epoch"]) == [6, 6, 3, 3]
    # Orderings and identities only: they hold on a machine of any speed.
    assert (timings["min_s_per_epoch"] <= timings["median_s_per_epoch"]).all()
    assert (timings["median_s_per_epoch"] <= timings["max_s_per_epoch"]).all()
    assert (timings["min_s_per_epoch"] > 0).all()
    for part in ("median_step_s", "startup_s_per_epoch", "teardown_s_per_epoch"):
        assert (timings[part] >= 0).all(), part
    np.testing.assert_allclose(
        timings["samples_per_second"] * timings["median_s_per_epoch"], 300
    )
    progress = re.findall(
        r"\[(\d)/4\] batch_size=(\d+) (\S+ ?\S*): [\d.]+ s/epoch \(min [\d.]+, "
        r"max [\d.]+; pool start-up [\d.]+ s, teardown [\d.]+ s\)",
        caplog.text,
    )
    assert [(n, size) for n, size, _ in progress] == [
        ("1", "50"),
        ("2", "50"),
        ("3", "100"),
        ("4", "100"),
    ]
    assert "Benchmark finished: 4 cells in" in caplog.text


def test_a_subset_of_the_settings_on_fewer_images():
    params = BenchmarkParams(
        batch_sizes=[100],
        use_multiprocessing=[False],
        include_arrays=False,
        repeats=1,
        warmup_steps=1,
    )
    timings = run_benchmark(IMAGES[:200], LABELS[:200], params, TrainingParams())
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


@pytest.fixture
def cpu_without_bfloat16(monkeypatch):
    """The machine the test assumes, whatever it runs on: a CPU without
    bfloat16 instructions and no GPU (through the project's own detection)."""
    monkeypatch.setattr(performance, "gpu_compute_capabilities", lambda: [])
    monkeypatch.setattr(performance, "cpu_flags", lambda: {"avx2"})


def test_speed_table_adds_the_levers_one_at_a_time(caplog, cpu_without_bfloat16):
    params = BenchmarkParams(speed={"architectures": ["mlp"], "repeats": 2})
    with caplog.at_level(logging.INFO, logger=speed_module.__name__):
        speed = compare_training_speed(
            IMAGES[:200], LABELS[:200], params, TrainingParams()
        )
    # Round-robin: every setting once, then every setting again.
    measured = [
        r.getMessage().split(":")[0]
        for r in caplog.records
        if r.getMessage().startswith("Speed [")
    ]
    settings = [f"mlp, {step}" for step in speed["setting"]]
    assert measured == [f"Speed [1/2] {s}" for s in settings] + [
        f"Speed [2/2] {s}" for s in settings
    ]
    assert set(speed["timed_runs"]) == {2}
    # The mlp's defaults on such a CPU: XLA, and float32 under it (no
    # precision step).
    assert list(speed["setting"]) == [
        "lab settings",
        "+ steps_per_execution",
        "+ tf.data",
        "+ XLA",
    ]
    first, last = speed.iloc[0], speed.iloc[-1]
    levers = ["steps_per_execution", "precision", "input_pipeline", "jit_compile"]
    assert list(first[levers]) == [1, "float32", "arrays", False]
    assert list(last[levers]) == [32, "float32", "tf_data", True]
    # Each step changes one lever: the one its name says.
    changed = [
        [lever for lever in levers if before[lever] != after[lever]]
        for (_, before), (_, after) in zip(
            speed.iloc[:-1].iterrows(), speed.iloc[1:].iterrows()
        )
    ]
    assert changed == [["steps_per_execution"], ["input_pipeline"], ["jit_compile"]]
    assert set(speed["samples"]) == {200} and set(speed["batch_size"]) == {64}
    figure = plot_training_speed(speed)
    axis = figure.axes[0]
    assert [t.get_text() for t in axis.get_legend().get_texts()] == list(
        speed["setting"]
    )
    assert len(axis.patches) == 4


def test_the_user_training_settings_decide_the_levers(cpu_without_bfloat16):
    """``training`` parameters reach the speed table: with XLA switched off,
    the mlp's last step is tf.data."""
    params = BenchmarkParams(speed={"architectures": ["mlp"], "repeats": 1})
    training = TrainingParams(performance={"jit_compile": False})
    speed = compare_training_speed(IMAGES[:100], LABELS[:100], params, training)
    assert list(speed["setting"])[-1] == "+ tf.data"
    assert not speed["jit_compile"].any()


def test_speed_rows_are_medians_of_fixed_timings_and_ratios_to_the_lab():
    runs = pd.DataFrame(
        [
            {"architecture": "mlp", "setting": setting, "samples": 600, "seconds": s}
            for setting, seconds in (
                ("lab settings", [3.0, 2.0, 4.0]),  # median 3 s: 200 samples/s
                ("+ steps_per_execution", [1.0, 2.0, 1.5]),  # 1.5 s: 400/s, x2
                ("+ tf.data", [1.2, 1.2, 1.2]),  # 1.2 s: 500/s, x2.5
            )
            for s in seconds
        ]
    )
    table = summarize_speed_runs(runs.sample(frac=1, random_state=0).sort_index())
    assert list(table["setting"]) == [
        "lab settings",
        "+ steps_per_execution",
        "+ tf.data",
    ]
    assert list(table["median_s_per_epoch"]) == [3.0, 1.5, 1.2]
    assert list(table["min_s_per_epoch"]) == [2.0, 1.0, 1.2]
    assert list(table["max_s_per_epoch"]) == [4.0, 2.0, 1.2]
    assert list(table["timed_runs"]) == [3, 3, 3]
    np.testing.assert_allclose(table["samples_per_second"], [200, 400, 500])
    np.testing.assert_allclose(table["speed_vs_lab"], [1.0, 2.0, 2.5])
    figure = plot_training_speed(table)
    # Every bar labelled with its ratio to the lab's settings.
    assert [t.get_text() for t in figure.axes[0].texts] == [
        "\u00d71.00",
        "\u00d72.00",
        "\u00d72.50",
    ]


def test_lever_steps_follow_the_project_defaults_and_the_figure_shows_gaps():
    cnn = Levers(32, "mixed_bfloat16", "tf_data", jit_compile=False)
    mlp = Levers(32, "float32", "tf_data", jit_compile=True)
    assert [name for name, _ in lever_steps(cnn)] == [
        "lab settings",
        "+ steps_per_execution",
        "+ mixed precision",
        "+ tf.data",
    ]
    assert lever_steps(cnn)[-1][1] == cnn and lever_steps(mlp)[-1][1] == mlp
    rows = []
    for architecture, project in (("mlp", mlp), ("cnn_bn", cnn)):
        for index, (setting, _) in enumerate(lever_steps(project)):
            seconds = 1.0 / (index + 1)
            rows.append(
                {
                    "architecture": architecture,
                    "setting": setting,
                    "samples": 100,
                    "median_s_per_epoch": seconds,
                    "min_s_per_epoch": seconds * 0.9,
                    "max_s_per_epoch": seconds * 1.1,
                    "samples_per_second": 100 / seconds,
                    "speed_vs_lab": index + 1.0,
                }
            )
    figure = plot_training_speed(pd.DataFrame(rows))
    axis = figure.axes[0]
    legend = [t.get_text() for t in axis.get_legend().get_texts()]
    assert legend == [
        "lab settings",
        "+ steps_per_execution",
        "+ mixed precision",
        "+ tf.data",
        "+ XLA",
    ]
    # Bars go step by step, mlp then cnn_bn; a step a network does not take
    # is a gap (no height, no label).
    heights = [bar.get_height() for bar in axis.patches]
    assert len(heights) == 10
    gaps = [index for index, height in enumerate(heights) if np.isnan(height)]
    assert gaps == [4, 9]  # mlp has no "+ mixed precision", cnn_bn no "+ XLA"
    assert len(axis.texts) == 8


def test_machine_sheet_names_the_versions():
    machine = describe_machine(BenchmarkParams(), TrainingParams(seed=7))
    machine = machine.set_index("item")["value"]
    for item in ("date", "cpu", "cpu_cores", "gpu", "python", "tensorflow", "keras"):
        assert machine[item]
    assert machine["architecture"] == "mlp"
    assert machine["seed"] == "7"  # every model of the benchmark starts from it


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
