"""Metrics in the form kedro-mlflow's ``MlflowMetricsHistoryDataset`` logs:
``{name: [{"value": v, "step": i}, ...]}``, for every pipeline that records some."""

from __future__ import annotations

from collections.abc import Iterable

History = dict[str, list[dict[str, float]]]


def metric_history(
    steps: Iterable[int], values: Iterable[float]
) -> list[dict[str, float]]:
    """One metric's values, each at its step."""
    return [
        {"value": float(value), "step": int(step)}
        for step, value in zip(steps, values, strict=True)
    ]


def single_values(values: dict[str, float]) -> History:
    """Metrics with one value each (at step 0)."""
    return {name: metric_history([0], [value]) for name, value in values.items()}
