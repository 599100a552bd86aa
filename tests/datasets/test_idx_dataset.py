"""IDXDataset: reading IDX files, plain and gzip, and rejecting bad ones by name."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError

from fashion_mnist.datasets import IDXDataset
from tests.helpers import idx_bytes, write_idx

IMAGES = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_loads_uint8_images_with_header_shape(tmp_path: Path, compress: bool):
    path = write_idx(tmp_path / "images-idx3-ubyte", IMAGES, compress=compress)
    loaded = IDXDataset(filepath=str(path), ndim=3).load()
    assert loaded.dtype == np.uint8
    assert loaded.shape == (3, 28, 28)
    np.testing.assert_array_equal(loaded, IMAGES)


@pytest.mark.parametrize("dtype", ["i1", "i2", "i4", "f4", "f8"])
def test_loads_other_idx_types_in_native_byte_order(tmp_path: Path, dtype: str):
    array = (np.arange(12) - 6).astype(dtype).reshape(3, 4)
    loaded = IDXDataset(filepath=str(write_idx(tmp_path / "a.idx", array))).load()
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_loaded_array_is_writable(tmp_path: Path):
    loaded = IDXDataset(filepath=str(write_idx(tmp_path / "a", IMAGES))).load()
    loaded[0, 0, 0] = 7  # a read-only view of the file buffer would raise here
    assert loaded[0, 0, 0] == 7


def _load_error(path: Path, **kwargs) -> str:
    with pytest.raises(DatasetError) as info:
        IDXDataset(filepath=str(path), **kwargs).load()
    return str(info.value)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_truncated_payload_names_file_and_sizes(tmp_path: Path, compress: bool):
    path = tmp_path / "short-idx3-ubyte"
    data = idx_bytes(IMAGES)[:-10]
    path.write_bytes(gzip.compress(data) if compress else data)
    message = _load_error(path, ndim=3)
    assert str(path) in message
    assert "expected a payload of 2,352 bytes" in message
    assert "found 2,342 bytes (truncated)" in message


def test_padded_payload_is_rejected(tmp_path: Path):
    path = tmp_path / "padded-idx3-ubyte"
    path.write_bytes(idx_bytes(IMAGES) + b"\0\0")
    message = _load_error(path)
    assert str(path) in message
    assert "found 2,354 bytes (trailing bytes)" in message


def test_truncated_gzip_stream_is_rejected(tmp_path: Path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(IMAGES))[:-20])
    message = _load_error(path)
    assert str(path) in message
    assert "gzip" in message


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n" + b"\0" * 40, b"\x00\x00\x07\x01" + b"\0" * 8],
    ids=["png-file", "unknown-type-code"],
)
def test_foreign_file_is_rejected_with_magic_number(tmp_path: Path, content: bytes):
    path = tmp_path / "foreign.idx"
    path.write_bytes(content)
    message = _load_error(path)
    assert str(path) in message
    assert "not an IDX file" in message
    assert f"found 0x{content[:4].hex()}" in message


def test_wrong_number_of_dimensions_is_rejected(tmp_path: Path):
    path = write_idx(tmp_path / "flat-idx2-ubyte", IMAGES.reshape(3, 784))
    message = _load_error(path, ndim=3)
    assert str(path) in message
    assert "expected 3 dimension(s), the header declares 2" in message


def test_header_shorter_than_its_dimensions_is_rejected(tmp_path: Path):
    path = tmp_path / "header.idx"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x03")
    message = _load_error(path)
    assert "expected a header of 16 bytes for 3 dimension(s), found only 8" in message


def test_missing_file_without_sources_names_it(tmp_path: Path):
    path = tmp_path / "absent-idx1-ubyte.gz"
    message = _load_error(path)
    assert f"{path}: file not found" in message


def test_is_read_only(tmp_path: Path):
    dataset = IDXDataset(filepath=str(tmp_path / "a"))
    with pytest.raises(DatasetError, match="read-only"):
        dataset.save(IMAGES)


def test_sources_require_a_checksum(tmp_path: Path):
    with pytest.raises(DatasetError, match="'sources' needs 'sha256'"):
        IDXDataset(filepath=str(tmp_path / "a"), sources=[str(tmp_path)])


def test_exists_reflects_the_file(tmp_path: Path):
    dataset = IDXDataset(filepath=str(tmp_path / "a"))
    assert not dataset.exists()
    write_idx(tmp_path / "a", IMAGES)
    assert dataset.exists()
