"""The SIGTERM handler acts only in the process that runs the pipeline."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Run in a fresh process, as `kedro run` is: a test runner's worker may have its
# own SIGTERM handling, and forking a busy multi-threaded worker can stall.
CHECK = """
import os, signal, time
from fashion_mnist.hooks import GracefulStopHooks
from fashion_mnist.stopping import Terminated

hooks = GracefulStopHooks()
hooks.before_pipeline_run()
ready, tell = os.pipe()
child = os.fork()
if child == 0:  # a worker forked during the run, as Keras' data-loading pool does
    os.write(tell, b"!")  # running (a signal sent before this could be lost)
    time.sleep(60)
    os._exit(0)
os.read(ready, 1)
os.kill(child, signal.SIGTERM)
_, status = os.waitpid(child, 0)
print("child", os.WTERMSIG(status) if os.WIFSIGNALED(status) else "survived")
try:
    signal.raise_signal(signal.SIGTERM)
except Terminated as exc:
    print("run", exc)
hooks.after_pipeline_run()
print("restored", signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM and fork are POSIX")
def test_sigterm_stops_the_run_but_still_kills_forked_workers():
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "child 15",  # the forked worker died of SIGTERM, at once
        "run stopped by SIGTERM",  # the run's own process: an exception
        "restored True",
    ], result.stderr
