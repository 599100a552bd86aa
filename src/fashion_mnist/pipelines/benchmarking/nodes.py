"""Nodes of the ``benchmarking`` pipeline, by concern: the lab's grid
(``grid.py``), the training-speed comparison (``speed.py``), the workbook and
chart (``report.py``); the clock they share is ``timing.py``."""

from .grid import ARRAYS, run_benchmark, setting_label, tabulate_like_the_lab
from .report import assemble_workbook, describe_machine, plot_benchmark
from .speed import compare_training_speed, plot_training_speed, summarize_speed_runs
from .timing import EpochTimer, EpochTiming

__all__ = [
    "ARRAYS",
    "EpochTimer",
    "EpochTiming",
    "assemble_workbook",
    "compare_training_speed",
    "describe_machine",
    "plot_benchmark",
    "plot_training_speed",
    "run_benchmark",
    "setting_label",
    "summarize_speed_runs",
    "tabulate_like_the_lab",
]
