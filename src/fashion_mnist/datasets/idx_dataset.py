"""``IDXDataset`` loads one IDX file (the format of MNIST and Fashion-MNIST) into a
NumPy array, fetching the file first from a list of sources when it is missing.
"""

from __future__ import annotations

import gzip
import logging
import math
import os
import zlib
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any

import fsspec
import numpy as np
from kedro.io.core import (
    AbstractDataset,
    DatasetError,
    get_filepath_str,
    get_protocol_and_path,
)

from fashion_mnist.datasets.fetch import GZIP_MAGIC, fetch_file

logger = logging.getLogger(__name__)

# The IDX type codes (third byte of the magic number) and the big-endian NumPy
# dtypes they stand for, as defined on http://yann.lecun.com/exdb/mnist/.
IDX_DTYPES: dict[int, str] = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


class IDXFormatError(DatasetError):
    """Raised when a file is not a well-formed IDX file."""


def decompress_if_gzip(data: bytes, name: str) -> bytes:
    """Return ``data`` gunzipped when it starts with the gzip magic, else unchanged."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXFormatError(
            f"{name}: expected a complete gzip stream, found a damaged or "
            f"truncated one ({exc})."
        ) from exc


def parse_idx(data: bytes, name: str, ndim: int | None = None) -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into a NumPy array.

    Written by hand because no maintained library reads IDX with checks:
    ``keras.datasets`` only reads its own cached copies and skips the header,
    and ``idx2numpy`` reports a short file as a NumPy reshape error.

    Args:
        data: The file's bytes, already decompressed.
        name: The file's name, used in error messages.
        ndim: The number of dimensions the file must declare, or None for any.

    Returns:
        An array in native byte order with the dtype and shape of the header.

    Raises:
        IDXFormatError: When the magic number, the number of dimensions or the
            payload length is not what the header (or ``ndim``) says.
    """
    if len(data) < 4:
        raise IDXFormatError(
            f"{name}: expected an IDX header of at least 4 bytes, found a file of "
            f"{len(data)} bytes."
        )
    type_code, found_ndim = data[2], data[3]
    if data[:2] != b"\x00\x00" or type_code not in IDX_DTYPES:
        raise IDXFormatError(
            f"{name}: not an IDX file: expected a magic number 0x0000TTDD with a "
            f"type code TT in {{{', '.join(f'{c:02x}' for c in IDX_DTYPES)}}}, "
            f"found 0x{data[:4].hex()}."
        )
    if found_ndim == 0 or (ndim is not None and found_ndim != ndim):
        expected = "at least 1" if ndim is None else str(ndim)
        raise IDXFormatError(
            f"{name}: expected {expected} dimension(s), the header declares "
            f"{found_ndim}."
        )
    header_size = 4 + 4 * found_ndim
    if len(data) < header_size:
        raise IDXFormatError(
            f"{name}: expected a header of {header_size} bytes for {found_ndim} "
            f"dimension(s), found only {len(data)} bytes."
        )
    shape = tuple(
        int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(found_ndim)
    )
    dtype = np.dtype(IDX_DTYPES[type_code])
    expected_size = math.prod(shape) * dtype.itemsize
    found_size = len(data) - header_size
    if found_size != expected_size:
        problem = "truncated" if found_size < expected_size else "trailing bytes"
        raise IDXFormatError(
            f"{name}: expected a payload of {expected_size:,} bytes for shape "
            f"{shape} of {dtype.name}, found {found_size:,} bytes ({problem})."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable, native-order copy


class IDXDataset(AbstractDataset[None, np.ndarray]):
    """``IDXDataset`` loads an IDX file, plain or gzip-compressed, into a NumPy
    array of the dtype and shape its header declares. It is read-only.

    When the file is missing and ``sources`` are given, the file is fetched once
    from the first source that has it: a local folder or a base URL, tried in
    order. A fetched file is kept only when the SHA-256 of its decompressed
    content matches ``sha256``; see ``fashion_mnist.datasets.fetch``.

    Examples:
        Using the YAML API:

        ```yaml
        raw_train_labels:
          type: fashion_mnist.datasets.IDXDataset
          filepath: data/01_raw/fashion-mnist/train-labels-idx1-ubyte.gz
          ndim: 1
          sha256: bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
          sources:
            - /usr/share/datasets/fashion-mnist
            - https://storage.googleapis.com/tensorflow/tf-keras-datasets/
        ```

        Using the Python API:

        >>> from fashion_mnist.datasets import IDXDataset
        >>> labels = IDXDataset(filepath="train-labels-idx1-ubyte.gz", ndim=1).load()
    """

    def __init__(
        self,
        *,
        filepath: str,
        ndim: int | None = None,
        sha256: str | None = None,
        sources: list[str] | None = None,
        source_filename: str | None = None,
        timeout: float = 60.0,
        offline_hint: str | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Creates a new instance of ``IDXDataset``.

        Args:
            filepath: Path of the IDX file, optionally with an fsspec protocol;
                gzip compression is recognised by content, not by name.
            ndim: Number of dimensions the header must declare (None: any).
            sha256: SHA-256 of the decompressed file; required to fetch it.
            sources: Where to fetch the file from when it is missing, in order:
                local folders (``~`` and environment variables are expanded)
                or base URLs (``http://``, ``https://``, ``file://``).
            source_filename: The file's name at the sources; defaults to the
                last part of ``filepath``.
            timeout: Seconds to wait for a server before trying the next source.
            offline_hint: What the error says to do when every source fails.
            credentials: Credentials for the underlying filesystem.
            fs_args: Extra arguments for the underlying filesystem class.
            metadata: Any arbitrary metadata, ignored by Kedro.
        """
        _fs_args = deepcopy(fs_args) or {}
        _credentials = deepcopy(credentials) or {}
        protocol, path = get_protocol_and_path(str(filepath))
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol, **_credentials, **_fs_args)
        self._filepath = PurePosixPath(path)
        self._ndim = ndim
        self._sha256 = sha256.lower() if sha256 else None
        self._sources = list(sources or [])
        self._source_filename = source_filename or self._filepath.name
        self._timeout = timeout
        self._offline_hint = offline_hint
        self.metadata = metadata
        if self._sources and not self._sha256:
            raise DatasetError(
                f"IDXDataset for '{filepath}': 'sources' needs 'sha256' so that a "
                "fetched file can be verified."
            )
        if self._sources and protocol != "file":
            raise DatasetError(
                f"IDXDataset for '{filepath}': fetching from 'sources' is only "
                f"supported for local files, not '{protocol}://'."
            )

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "protocol": self._protocol,
            "ndim": self._ndim,
            "sources": self._sources,
        }

    def _exists(self) -> bool:
        return self._fs.exists(get_filepath_str(self._filepath, self._protocol))

    def load(self) -> np.ndarray:
        load_path = get_filepath_str(self._filepath, self._protocol)
        if not self._fs.exists(load_path):
            if not self._sources:
                raise DatasetError(f"{load_path}: file not found.")
            fetch_file(
                target=os.fspath(load_path),
                filename=self._source_filename,
                sources=self._sources,
                sha256=str(self._sha256),
                timeout=self._timeout,
                hint=self._offline_hint,
            )
        with self._fs.open(load_path, mode="rb") as file:
            raw = file.read()
        data = decompress_if_gzip(raw, load_path)
        return parse_idx(data, load_path, ndim=self._ndim)

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: it cannot save data.")
