"""kedro-mlflow's ``MlflowMetricsHistoryDataset``, quiet when tracking is off."""

from __future__ import annotations

from typing import Any

from kedro_mlflow.io.metrics import (
    MlflowMetricsHistoryDataset as _KedroMlflowMetricsHistoryDataset,
)


class MlflowMetricsHistoryDataset(_KedroMlflowMetricsHistoryDataset):
    """Logs ``{name: [{"value": v, "step": i}, ...]}`` as MLflow metrics.

    The same as kedro-mlflow's (and named the same, so that kedro-mlflow still
    switches it off with tracking), except that with tracking off it does not
    touch MLflow at all: kedro-mlflow 2.0.3 opens a client first, which creates
    and migrates a SQLite store in the working folder even when nothing is
    logged (and two processes doing so at once collide).

    Examples:
        Using the YAML API:

        ```yaml
        tracked_metrics:
          type: fashion_mnist.datasets.MlflowMetricsHistoryDataset
          prefix: ""
        ```
    """

    def _save(self, data: Any) -> None:
        if self._logging_activated:
            super()._save(data)
