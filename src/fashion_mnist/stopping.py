"""SIGTERM as an exception: ``Terminated``, and the handler that raises it.

Python's default for SIGTERM ends the process on the spot. Raised as an
exception instead, it unwinds whatever is in progress (a save, a trial) like
Ctrl-C does. The hooks install the handler for the length of a run
(``hooks.GracefulStopHooks``); the tuning search tells a ``Terminated`` stop
from Ctrl-C to pass it on to its trial process. A base module, so that both
can import it.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

logger = logging.getLogger(__name__)


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


_owner_pid: int | None = None


def raise_terminated(signum: int, frame: Any) -> None:
    """A SIGTERM handler: raise ``Terminated`` in the process that installed it
    with ``install``; in a process forked from it, SIGTERM's default action."""
    if os.getpid() != _owner_pid:
        # A process forked during the run (a Keras data-loading worker) inherits
        # this handler; there SIGTERM must keep its meaning, or Pool.terminate()
        # could not stop the worker and the run would hang at exit.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    name = signal.Signals(signum).name
    logger.warning("Received %s: stopping as Ctrl-C does.", name)
    raise Terminated(f"stopped by {name}")


def install() -> Any:
    """Make SIGTERM raise ``Terminated`` in this process (call it from the main
    thread); the handler it replaces."""
    global _owner_pid  # noqa: PLW0603 (one handler per process)
    _owner_pid = os.getpid()
    return signal.signal(signal.SIGTERM, raise_terminated)
