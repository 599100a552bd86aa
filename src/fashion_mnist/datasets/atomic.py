"""Write a file so that readers see either the old file or the complete new one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO


@contextmanager
def atomic_write(
    target: str, verify: Callable[[str], None] | None = None
) -> Iterator[IO[bytes]]:
    """Yield a temporary file next to ``target`` that replaces it on success.

    The temporary file is renamed onto ``target`` (one atomic step on one
    filesystem) only when the block finishes and ``verify(path)``, if given,
    returns; if either raises, the temporary file is removed and ``target`` is
    left as it was.
    """
    folder = os.path.dirname(os.path.abspath(target))
    os.makedirs(folder, exist_ok=True)
    handle, partial = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
        if verify is not None:
            verify(partial)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o666 & ~umask)  # mkstemp creates 0600; keep the usual mode
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
