"""Atomic file writes: a reader sees the old file or the complete new one, never a
partial one, and a failed or interrupted write leaves the old file as it was.

Every write goes to a hidden temporary file in the target's folder
(``.<name>.<random>.part``), which replaces the target in one ``os.replace`` once
it is complete. Two ways in:

- ``atomic_write(path)``: a context manager for code that writes files itself
  (the raw-data fetch).
- ``AtomicLocalFileSystem``: fsspec's local file system with the same guarantee
  for every file a Kedro dataset writes through ``fs.open(..., "wb")`` or
  ``fs.put`` (pickles, JSON, CSV, Excel, PNG figures, Keras models).
  ``settings.py`` registers it for local paths, so every catalog entry gets it
  without a special dataset class.

Written by hand because fsspec's own transactions write to the system's temporary
folder and then *move* the file, which is a copy (not atomic) when that folder is
on another file system, and they commit on ``close()`` even after an error.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from fsspec.compression import compr
from fsspec.core import get_compression
from fsspec.implementations.local import LocalFileSystem

PART_SUFFIX = ".part"


def _temporary_next_to(target: str) -> tuple[int, str]:
    folder = os.path.dirname(os.path.abspath(target))
    os.makedirs(folder, exist_ok=True)
    return tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(target)}.", suffix=PART_SUFFIX
    )


def _publish(partial: str, target: str) -> None:
    """Give ``partial`` the usual file mode and rename it onto ``target``."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(partial, 0o666 & ~umask)  # mkstemp creates 0600
    os.replace(partial, target)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


@contextmanager
def atomic_write(
    target: str, verify: Callable[[str], None] | None = None
) -> Iterator[IO[bytes]]:
    """Yield a temporary file next to ``target`` that replaces it on success.

    The temporary file is renamed onto ``target`` only when the block finishes
    and ``verify(path)``, if given, returns; if either raises (including
    ``KeyboardInterrupt``), the temporary file is removed and ``target`` is left
    as it was.
    """
    handle, partial = _temporary_next_to(target)
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
        if verify is not None:
            verify(partial)
        _publish(partial, target)
    finally:
        _remove_quietly(partial)


class _DiscardUnlessClosed:
    """What ``with`` and the garbage collector do to an atomic file: a clean
    exit closes (publishes) it; an exception inside ``with``, or a file dropped
    before it was closed, discards what was written."""

    # (Mixed in before the io base class: its ``closed``, and the subclass's
    # ``close`` and ``discard``, are the ones used.)

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is not None:
            self.discard()
        else:
            self.close()

    def __del__(self) -> None:
        if not self.closed:
            self.discard()


class AtomicFile(_DiscardUnlessClosed, io.BufferedWriter):
    """A binary file that becomes ``target`` when closed after a complete write.

    Leaving a ``with`` block with an exception, or dropping the file without
    closing it, discards what was written; ``close()`` publishes it.
    """

    def __init__(self, target: str) -> None:
        handle, self.partial = _temporary_next_to(target)
        super().__init__(io.FileIO(handle, "wb"))
        self.target = target
        self._discarded = False

    def discard(self) -> None:
        """Drop what was written; the target stays as it was."""
        self._discarded = True
        super().close()
        _remove_quietly(self.partial)

    def close(self) -> None:
        if self.closed:
            return
        try:
            self.flush()
        except BaseException:
            self.discard()
            raise
        super().close()
        if self._discarded:
            return
        try:
            _publish(self.partial, self.target)
        finally:
            _remove_quietly(self.partial)


class _AtomicCompressedFile(_DiscardUnlessClosed, io.BufferedIOBase):
    """A compressor (fsspec's, e.g. gzip) writing into an ``AtomicFile``: the
    compressed file is published when both are closed after a complete write,
    and discarded otherwise."""

    def __init__(self, target: str, compression: str) -> None:
        super().__init__()
        self._file = AtomicFile(target)
        self._compressor = compr[compression](self._file, mode="wb")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._compressor.write(data)

    def flush(self) -> None:
        if not self._compressor.closed:
            self._compressor.flush()

    def discard(self) -> None:
        if not self.closed:
            super().close()
        self._file.discard()

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._compressor.close()  # writes the compressed stream's trailer
        except BaseException:
            self.discard()
            raise
        super().close()
        self._file.close()


class _AtomicTextFile(io.TextIOWrapper):
    """Text mode over an ``AtomicFile``: an error inside ``with`` discards too."""

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is not None:
            self.buffer.discard()
        else:
            self.close()


class AtomicLocalFileSystem(LocalFileSystem):
    """fsspec's local file system whose writes are atomic (see the module doc).

    Reading, listing, appending and deleting are ``LocalFileSystem``'s own.
    """

    def open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        if not _replaces(mode):
            return super().open(path, mode, **kwargs)
        path = self._strip_protocol(path)
        if self.auto_mkdir:
            self.makedirs(self._parent(path), exist_ok=True)
        compression = get_compression(path, kwargs.get("compression"))
        file = (
            _AtomicCompressedFile(path, compression)
            if compression
            else AtomicFile(path)
        )
        if "b" in mode:
            return file
        text_args = {
            key: kwargs[key]
            for key in ("encoding", "errors", "newline")
            if key in kwargs
        }
        return _AtomicTextFile(file, **text_args)

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        source = self._strip_protocol(path1)
        if not self.isfile(source):
            super().cp_file(path1, path2, **kwargs)
            return
        with open(source, "rb") as reader, self.open(path2, "wb") as writer:
            shutil.copyfileobj(reader, writer, 1 << 20)


def _replaces(mode: str) -> bool:
    """Whether ``mode`` writes a whole new file: not append, update in place or
    exclusive creation (``x`` must fail on an existing file, not replace it)."""
    return "w" in mode and "+" not in mode
