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
    hooks = GracefulStopHooks()
    hooks.before_pipeline_run()
    try:
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
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
