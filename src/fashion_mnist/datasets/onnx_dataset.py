"""``OnnxModelDataset`` saves and loads an ONNX model (``onnx.ModelProto``) as a
``.onnx`` file through fsspec, versioned like Kedro's other model datasets.

Written here because kedro-datasets has no ONNX dataset; it follows the shape of
kedro-datasets' own file datasets (``pickle.PickleDataset``).
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any

import fsspec
import onnx
from kedro.io.core import (
    AbstractVersionedDataset,
    DatasetError,
    Version,
    get_filepath_str,
    get_protocol_and_path,
)


class OnnxModelDataset(AbstractVersionedDataset[onnx.ModelProto, onnx.ModelProto]):
    """An ONNX model file. Saving checks the model (``onnx.checker``) first, so
    a file that onnxruntime would refuse is never written.

    Examples:
        Using the YAML API:

        ```yaml
        classifier_onnx:
          type: fashion_mnist.datasets.OnnxModelDataset
          filepath: data/06_models/classifier.onnx
          versioned: true
        ```

        Using the Python API:

        >>> from fashion_mnist.datasets import OnnxModelDataset
        >>> model = OnnxModelDataset(filepath="classifier.onnx").load()
    """

    def __init__(
        self,
        *,
        filepath: str,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new instance of ``OnnxModelDataset``.

        Args:
            filepath: Path of the ``.onnx`` file, optionally with an fsspec
                protocol (``s3://``, ``gcs://``, ...).
            version: Load and save versions (set by ``versioned: true``).
            credentials: Credentials for the underlying filesystem.
            fs_args: Extra arguments for the underlying filesystem class.
            metadata: Any information about the dataset (Kedro ignores it).
        """
        fs_args = deepcopy(fs_args) or {}
        protocol, path = get_protocol_and_path(filepath, version)
        if protocol == "file":
            fs_args.setdefault("auto_mkdir", True)
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol, **(credentials or {}), **fs_args)
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._fs.glob,
        )

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "protocol": self._protocol,
            "version": self._version,
        }

    def load(self) -> onnx.ModelProto:
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, "rb") as file:
            return onnx.load_model_from_string(file.read())

    def save(self, data: onnx.ModelProto) -> None:
        try:
            onnx.checker.check_model(data)
        except onnx.checker.ValidationError as exc:
            raise DatasetError(f"Not a valid ONNX model: {exc}") from exc
        path = get_filepath_str(self._get_save_path(), self._protocol)
        with self._fs.open(path, "wb") as file:
            file.write(data.SerializeToString())
        self._fs.invalidate_cache(get_filepath_str(self._filepath, self._protocol))

    def _exists(self) -> bool:
        try:
            path = get_filepath_str(self._get_load_path(), self._protocol)
        except DatasetError:
            return False
        return self._fs.exists(path)
