"""Fetch a file from the first of several sources that has a verified copy.

A source is a local folder or a base URL. The copy is written to a temporary
file next to the target, checked against the SHA-256 of its decompressed
content, and only then renamed into place (an atomic step on one filesystem), so
a failed or corrupt fetch leaves nothing behind and never replaces a good file.

Written on the standard library (``urllib``) because ``keras.utils.get_file``
verifies the compressed bytes (so a re-compressed copy fails), knows one URL,
and writes into the Keras cache rather than the project's data folder.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from kedro.io.core import DatasetError
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from fashion_mnist.datasets.atomic import atomic_write

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 20
REMOTE_SCHEMES = ("http", "https", "ftp")


class FetchError(DatasetError):
    """Raised when no source gives a verified copy of a file."""


def source_location(source: str, filename: str) -> str:
    """Return where ``filename`` lives in ``source`` (a folder or a base URL)."""
    scheme = urllib.parse.urlparse(source).scheme
    if scheme in (*REMOTE_SCHEMES, "file"):
        return urllib.parse.urljoin(source.rstrip("/") + "/", filename)
    return os.path.join(os.path.expandvars(os.path.expanduser(source)), filename)


GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of every gzip stream


def sha256_of_content(path: str) -> str:
    """SHA-256 of a file's content, decompressed first when it is gzip."""
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == GZIP_MAGIC
    opener = gzip.open if is_gzip else open
    with opener(path, "rb") as file:
        while chunk := file.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )


def _copy_stream(source: IO[bytes], target: IO[bytes], total: int | None, label: str):
    """Copy ``source`` to ``target``, showing a progress bar for large files."""
    if total is not None and total < 4 * CHUNK_SIZE:
        shutil.copyfileobj(source, target, CHUNK_SIZE)
        return
    with _progress() as progress:
        task = progress.add_task(label, total=total)
        while chunk := source.read(CHUNK_SIZE):
            target.write(chunk)
            progress.update(task, advance=len(chunk))


@contextmanager
def _open_source(
    location: str, timeout: float
) -> Iterator[tuple[IO[bytes], int | None]]:
    scheme = urllib.parse.urlparse(location).scheme
    if scheme in (*REMOTE_SCHEMES, "file"):
        with urllib.request.urlopen(location, timeout=timeout) as response:  # noqa: S310
            length = response.headers.get("Content-Length")
            yield response, int(length) if length else None
    else:
        with open(location, "rb") as file:
            yield file, os.fstat(file.fileno()).st_size


def _describe_failure(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot connect ({exc.reason})"
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if isinstance(exc, OSError | EOFError):
        return exc.strerror or str(exc) or type(exc).__name__
    return str(exc)


def _fetch_one(location: str, target: str, sha256: str, timeout: float) -> None:
    """Copy ``location`` to ``target`` if its content has the expected SHA-256."""

    def verify(partial: str) -> None:
        found = sha256_of_content(partial)
        if found != sha256:
            raise ValueError(
                f"content has SHA-256 {found}, expected {sha256} (corrupt or "
                "a different file); it was not kept"
            )

    with (
        atomic_write(target, verify=verify) as out,
        _open_source(location, timeout) as (source, total),
    ):
        logger.info("Fetching %s", location)
        _copy_stream(source, out, total, os.path.basename(target))


def fetch_file(
    *,
    target: str,
    filename: str,
    sources: Sequence[str],
    sha256: str,
    timeout: float = 60.0,
    hint: str | None = None,
) -> str:
    """Fetch ``filename`` into ``target`` from the first source that has it.

    Args:
        target: Local path where the verified file is written.
        filename: Name of the file inside each source.
        sources: Local folders or base URLs, tried in order.
        sha256: Expected SHA-256 of the (decompressed) content.
        timeout: Seconds to wait for a server.
        hint: What to tell the user when every source fails.

    Returns:
        The location the file was fetched from.

    Raises:
        FetchError: When every source failed; it lists each source and why.
    """
    folder = os.path.dirname(os.path.abspath(target))
    created = not os.path.isdir(folder)
    os.makedirs(folder, exist_ok=True)
    failures = []
    for source in sources:
        location = source_location(source, filename)
        try:
            _fetch_one(location, target, sha256, timeout)
        except (OSError, EOFError, ValueError) as exc:
            reason = _describe_failure(exc)
            logger.warning("Could not fetch %s from %s: %s", filename, location, reason)
            failures.append(f"  - {location}: {reason}")
            continue
        logger.info("Saved %s (SHA-256 verified)", target)
        return location
    if created and not os.listdir(folder):
        os.rmdir(folder)
    tried = "\n".join(failures) or "  (no sources configured)"
    raise FetchError(
        f"{target}: file not found and no source gave a verified copy of "
        f"{filename}. Tried, in order:\n{tried}\n"
        + (hint or f"To work offline, copy {filename} to {target}.")
    )
