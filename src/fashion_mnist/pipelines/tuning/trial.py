"""One trial of a study, in a process of its own (see ``search.py``).

``python -m fashion_mnist.pipelines.tuning.trial JOB.json`` opens the study the
job names, runs one trial with the project's training code, and writes the
trial's number to the job's ``result`` file. SIGTERM stops it like Ctrl-C: the
trial is marked failed in the study, not left running.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any


def _stop(signum: int, frame: Any) -> None:
    # Once: a second signal must not interrupt the trial being marked failed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")


def main(job_file: str) -> None:
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    # The search's own run configures Kedro's logging; here, this project's
    # lines (what is trained, how) and warnings, plainly.
    logging.basicConfig(level=logging.WARNING, format="  trial: %(message)s")
    logging.getLogger("fashion_mnist").setLevel(logging.INFO)
    import fashion_mnist  # noqa: F401, PLC0415 (TensorFlow's quiet start first)
    from fashion_mnist.pipelines.tuning.objective import run_trial  # noqa: PLC0415

    job = json.loads(Path(job_file).read_text())
    number = run_trial(job)
    Path(job["result"]).write_text(str(number))


if __name__ == "__main__":
    main(sys.argv[1])
