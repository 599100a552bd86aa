"""Fetching a missing raw file: from a real HTTP server on 127.0.0.1, verified."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError

from fashion_mnist.datasets import FetchError, IDXDataset, fetch, fetch_file
from tests.helpers import idx_bytes

LABELS = np.array([0, 1, 2, 9, 8, 7], dtype=np.uint8)
RAW = idx_bytes(LABELS)
SHA256 = hashlib.sha256(RAW).hexdigest()
NAME = "train-labels-idx1-ubyte.gz"


def _serve(root: Path, content: bytes, name: str = NAME) -> None:
    (root / name).write_bytes(content)


def _dataset(target_dir: Path, sources: list[str], name: str = NAME) -> IDXDataset:
    return IDXDataset(
        filepath=str(target_dir / name), ndim=1, sha256=SHA256, sources=sources
    )


def test_good_download_is_verified_and_kept(tmp_path, http_server):
    root, url = http_server
    # A different gzip level than the original: verification is on the content.
    _serve(root, gzip.compress(RAW, compresslevel=9))
    raw_dir = tmp_path / "01_raw" / "fashion-mnist"
    loaded = _dataset(raw_dir, [url]).load()
    np.testing.assert_array_equal(loaded, LABELS)
    assert sorted(os.listdir(raw_dir)) == [NAME]
    assert gzip.decompress((raw_dir / NAME).read_bytes()) == RAW
    # Loading again reads the kept file: the server no longer has it.
    (root / NAME).unlink()
    np.testing.assert_array_equal(_dataset(raw_dir, [url]).load(), LABELS)


def test_uncompressed_source_file_is_accepted(tmp_path, http_server):
    root, url = http_server
    _serve(root, RAW)
    loaded = _dataset(tmp_path / "raw", [url]).load()
    np.testing.assert_array_equal(loaded, LABELS)


def test_sources_are_tried_in_order(tmp_path, http_server):
    root, url = http_server
    _serve(root, gzip.compress(RAW))
    local = tmp_path / "local-copy"
    local.mkdir()  # exists, but lacks the file
    raw_dir = tmp_path / "raw"
    _dataset(raw_dir, [str(local), url]).load()
    assert (raw_dir / NAME).exists()


def test_corrupt_download_is_rejected_and_leaves_nothing(tmp_path, http_server):
    root, url = http_server
    corrupt = bytearray(RAW)
    corrupt[-1] ^= 0xFF
    _serve(root, gzip.compress(bytes(corrupt)))
    raw = tmp_path / "01_raw"
    raw.mkdir()
    # An earlier good file in the same folder must stay untouched.
    good = raw / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz"
    good.parent.mkdir()
    good.write_bytes(gzip.compress(RAW))
    before = (good.read_bytes(), good.stat().st_mtime_ns)

    with pytest.raises(DatasetError) as info:
        _dataset(raw / "fashion-mnist", [url]).load()

    message = str(info.value)
    assert f"{url}{NAME}" in message
    assert f"expected {SHA256}" in message
    assert "it was not kept" in message
    assert sorted(os.listdir(raw / "fashion-mnist")) == [good.name]
    assert (good.read_bytes(), good.stat().st_mtime_ns) == before


def test_failed_fetch_into_new_folder_leaves_no_folder(tmp_path, http_server):
    _, url = http_server  # serves nothing: 404
    raw = tmp_path / "01_raw"
    raw.mkdir()
    with pytest.raises(DatasetError):
        _dataset(raw / "fashion-mnist", [url]).load()
    assert os.listdir(raw) == []


def test_failed_fetch_never_replaces_an_existing_file(tmp_path, http_server):
    root, url = http_server
    _serve(root, gzip.compress(b"not the labels"))
    folder = tmp_path / "raw"
    folder.mkdir()
    target = folder / NAME
    target.write_bytes(gzip.compress(RAW))
    before = target.read_bytes()
    with pytest.raises(FetchError):
        fetch_file(target=str(target), filename=NAME, sources=[url], sha256=SHA256)
    assert target.read_bytes() == before
    assert os.listdir(folder) == [NAME]


def test_error_lists_every_source_and_the_offline_advice(tmp_path, http_server):
    _, url = http_server
    missing_folder = tmp_path / "no-such-folder"
    unreachable = "http://127.0.0.1:9/"  # the discard port: nothing listens there
    dataset = IDXDataset(
        filepath=str(tmp_path / "raw" / NAME),
        sha256=SHA256,
        sources=[str(missing_folder), url, unreachable],
        timeout=5,
        offline_hint="Copy the four files into data/01_raw/fashion-mnist/.",
    )
    with pytest.raises(DatasetError) as info:
        dataset.load()
    message = str(info.value)
    assert f"{missing_folder / NAME}: not found" in message
    assert f"{url}{NAME}: HTTP 404" in message
    assert f"{unreachable}{NAME}: cannot connect" in message
    assert "Copy the four files into data/01_raw/fashion-mnist/." in message
    # In the order given.
    assert (
        message.index(str(missing_folder))
        < message.index(url)
        < message.index(unreachable)
    )


def test_keras_cache_style_folder_source_with_tilde(tmp_path, monkeypatch):
    home = tmp_path / "home"
    cache = home / ".keras" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    (cache / NAME).write_bytes(gzip.compress(RAW))
    monkeypatch.setenv("HOME", str(home))
    raw_dir = tmp_path / "raw"
    _dataset(raw_dir, ["~/.keras/datasets/fashion-mnist"]).load()
    assert (raw_dir / NAME).exists()


def test_large_download_goes_through_the_progress_bar(
    tmp_path, http_server, caplog, monkeypatch
):
    root, url = http_server
    bars = []

    def recording_progress():
        bar = real_progress()
        bars.append(bar)
        return bar

    real_progress = fetch._progress
    monkeypatch.setattr(fetch, "_progress", recording_progress)
    images = np.random.default_rng(0).integers(0, 256, (7000, 28, 28), dtype=np.uint8)
    raw = idx_bytes(images)  # 5.5 MB: above the size that shows a progress bar
    (root / "big-idx3-ubyte").write_bytes(raw)
    dataset = IDXDataset(
        filepath=str(tmp_path / "raw" / "big-idx3-ubyte"),
        ndim=3,
        sha256=hashlib.sha256(raw).hexdigest(),
        sources=[url],
    )
    with caplog.at_level("INFO"):
        loaded = dataset.load()
    np.testing.assert_array_equal(loaded, images)
    assert f"Fetching {url}big-idx3-ubyte" in caplog.text
    # One bar, which followed the download to its end.
    assert len(bars) == 1
    (task,) = bars[0].tasks
    assert task.description == "big-idx3-ubyte"
    assert task.total == len(raw) and task.completed == len(raw)
