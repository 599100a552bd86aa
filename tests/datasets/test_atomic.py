"""Atomic writes: every file the catalog saves appears complete or not at all."""

from __future__ import annotations

import gc
import gzip
import json
import pickle

import fsspec
import pytest
from kedro.framework.session import KedroSession
from kedro.io import CachedDataset
from kedro_datasets.pickle import PickleDataset
from kedro_datasets.tensorflow import TensorFlowModelDataset

from fashion_mnist.datasets import atomic as atomic_module
from fashion_mnist.datasets.atomic import AtomicLocalFileSystem, atomic_write
from fashion_mnist.networks import build_network


@pytest.fixture
def fs() -> AtomicLocalFileSystem:
    return AtomicLocalFileSystem()


def _names(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize("mode", ["wb", "w"])
def test_a_complete_write_replaces_the_file(fs, tmp_path, mode):
    target = tmp_path / "out.json"
    target.write_text("old")
    with fs.open(str(target), mode) as file:
        file.write(b"new" if "b" in mode else "new")
        assert target.read_text() == "old"  # readers still see the old file
    assert target.read_text() == "new"
    assert _names(tmp_path) == ["out.json"]


@pytest.mark.parametrize("mode", ["wb", "w"])
@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_an_error_while_writing_keeps_the_old_file(fs, tmp_path, mode, error):
    target = tmp_path / "out.json"
    target.write_text('{"complete": true}')
    with pytest.raises(error):
        with fs.open(str(target), mode) as file:
            file.write(b'{"half' if "b" in mode else '{"half')
            raise error("interrupted")
    assert json.loads(target.read_text()) == {"complete": True}
    assert _names(tmp_path) == ["out.json"]


@pytest.mark.parametrize("mode", ["wb", "w"])
def test_a_compressed_write_is_atomic_too(fs, tmp_path, mode):
    target = tmp_path / "table.csv.gz"
    target.write_bytes(gzip.compress(b"old"))
    text = "a,b\n" * 1000
    with fs.open(str(target), mode, compression="infer") as file:
        file.write(text.encode() if "b" in mode else text)
        assert gzip.decompress(target.read_bytes()) == b"old"
    assert gzip.decompress(target.read_bytes()).decode() == text
    with pytest.raises(ValueError):
        with fs.open(str(target), mode, compression="gzip") as file:
            file.write(b"half" if "b" in mode else "half")
            raise ValueError("interrupted")
    assert gzip.decompress(target.read_bytes()).decode() == text
    assert _names(tmp_path) == ["table.csv.gz"]


def test_an_interrupted_model_save_keeps_the_previous_model(tmp_path, monkeypatch):
    """TensorFlowModelDataset writes the .keras file to a temporary folder and
    copies it in with ``put``; a copy stopped half-way leaves the old model."""
    fsspec.register_implementation("file", AtomicLocalFileSystem, clobber=True)
    target = tmp_path / "classifier.keras"
    dataset = TensorFlowModelDataset(filepath=str(target))
    dataset.save(build_network("mlp", seed=0))
    before = target.read_bytes()

    def copy_half(source, destination, length=0):
        destination.write(source.read(1000))
        raise OSError(28, "No space left on device (stopped while copying)")

    monkeypatch.setattr(atomic_module.shutil, "copyfileobj", copy_half)
    with pytest.raises(Exception, match="stopped while copying"):
        dataset.save(build_network("cnn", seed=0))
    assert target.read_bytes() == before
    assert _names(tmp_path) == ["classifier.keras"]
    monkeypatch.undo()
    assert TensorFlowModelDataset(filepath=str(target)).load().name == "mlp"


def test_a_file_dropped_without_closing_is_discarded(fs, tmp_path):
    file = fs.open(str(tmp_path / "dropped.bin"), "wb")
    file.write(b"partial")
    del file
    gc.collect()
    assert _names(tmp_path) == []


def test_put_copies_atomically_into_a_new_folder(fs, tmp_path):
    source = tmp_path / "model.keras"
    source.write_bytes(b"weights" * 1000)
    fs.put(str(source), str(tmp_path / "v1" / "model.keras"))
    assert (tmp_path / "v1" / "model.keras").read_bytes() == source.read_bytes()
    assert _names(tmp_path / "v1") == ["model.keras"]


def test_append_and_exclusive_modes_keep_their_meaning(fs, tmp_path):
    target = tmp_path / "log.txt"
    target.write_text("a")
    with fs.open(str(target), "ab") as file:
        file.write(b"b")
    assert target.read_text() == "ab"
    with pytest.raises(FileExistsError):
        fs.open(str(target), "xb")


def test_atomic_write_with_failed_verification_leaves_nothing(tmp_path):
    def refuse(path):
        raise ValueError("bad content")

    with pytest.raises(ValueError):
        with atomic_write(str(tmp_path / "file.gz"), verify=refuse) as file:
            file.write(b"x")
    assert _names(tmp_path) == []


def test_a_failed_pickle_keeps_the_previous_one(tmp_path):
    fsspec.register_implementation("file", AtomicLocalFileSystem, clobber=True)
    path = tmp_path / "arrays.pkl"
    PickleDataset(filepath=str(path)).save(list(range(10)))

    class Unpicklable:
        def __reduce__(self):
            raise TypeError("cannot pickle this")

    with pytest.raises(Exception, match="cannot pickle this"):
        PickleDataset(filepath=str(path)).save([0] * 100_000 + [Unpicklable()])
    assert pickle.loads(path.read_bytes()) == list(range(10))
    assert _names(tmp_path) == ["arrays.pkl"]


def test_every_file_in_the_catalog_is_written_atomically(project):
    """The mechanism is general: no catalog entry writes around it."""
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        checked = []
        for name in catalog.keys():  # noqa: SIM118 (a DataCatalog, not a dict)
            dataset = catalog.get(name)
            if isinstance(dataset, CachedDataset):
                dataset = dataset._dataset
            file_system = getattr(dataset, "_fs", None)
            if file_system is None:
                continue
            assert isinstance(file_system, AtomicLocalFileSystem), name
            checked.append(name)
    assert {"train_images", "metrics", "classifier", "benchmark_workbook"} <= set(
        checked
    )
