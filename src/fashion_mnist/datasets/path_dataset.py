"""``LocalPathDataset``: a location in the project, for code that opens it itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io.core import AbstractDataset, DatasetError


class LocalPathDataset(AbstractDataset[None, Path]):
    """Loads as the absolute path of ``filepath``, which Kedro resolves against
    the project's folder (as every catalog path), whatever folder the run starts
    in. For files that a library opens and locks itself, such as the journal
    file of an Optuna study; read-only.

    Examples:
        Using the YAML API:

        ```yaml
        tuning_journal:
          type: fashion_mnist.datasets.LocalPathDataset
          filepath: tuning.journal
        ```
    """

    def __init__(
        self, *, filepath: str, metadata: dict[str, Any] | None = None
    ) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}

    def load(self) -> Path:
        return self._filepath.absolute()

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: it names a location.")

    def _exists(self) -> bool:
        return True
