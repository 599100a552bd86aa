"""The SIGTERM handler acts only in the process that runs the pipeline."""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time

import pytest

from fashion_mnist.hooks import GracefulStopHooks, Terminated


def _sleep() -> None:
    time.sleep(60)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_sigterm_stops_the_run_but_still_kills_forked_workers():
    # As in a `kedro run` process: a test runner (pytest-xdist's workers) may
    # have its own handler for SIGTERM, or block it.
    outer = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    hooks = GracefulStopHooks()
    hooks.before_pipeline_run()
    try:
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        # A worker forked during the run (as Keras' data-loading pool does).
        worker = multiprocessing.get_context("fork").Process(target=_sleep, daemon=True)
        worker.start()
        worker.terminate()  # SIGTERM
        worker.join(timeout=10)
        assert worker.exitcode == -signal.SIGTERM  # died of it, at once

        with pytest.raises(Terminated, match="SIGTERM"):
            signal.raise_signal(signal.SIGTERM)  # this process: an exception
    finally:
        hooks.after_pipeline_run()
        restored = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, outer)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    assert restored is signal.SIG_DFL
