"""Measure the demo page: how long it takes to start, and to answer one upload.

From the project root, in the project's environment, after ``make run`` and
``python scripts/make_sample_images.py``, with nothing else running:

    python scripts/benchmark_demo.py [--images data/01_raw/new_images] [--rounds 3]

Starts ``python -m fashion_mnist.demo`` on a free port of 127.0.0.1, times it
until the page answers, then sends every photo of the folder ``--rounds`` times
through ``gradio_client`` (as the page's own upload does) and prints a Markdown
table: the start time, and the median and slowest answer per upload.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=Path("data/01_raw/new_images"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from benchmark_serving import photo_files  # noqa: PLC0415
    from gradio_client import Client, handle_file  # noqa: PLC0415

    from fashion_mnist.performance import cpu_model  # noqa: PLC0415

    photos = photo_files(args.images)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    demo = subprocess.Popen(
        [sys.executable, "-m", "fashion_mnist.demo", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if demo.poll() is not None or time.perf_counter() - started > 600:
                    raise SystemExit("the demo page did not start") from None
                time.sleep(0.2)
        start_seconds = time.perf_counter() - started
        client = Client(url, verbose=False)
        client.predict(handle_file(str(photos[0])), api_name="/classify")  # warm-up
        seconds = []
        for _ in range(args.rounds):
            for photo in photos:
                began = time.perf_counter()
                client.predict(handle_file(str(photo)), api_name="/classify")
                seconds.append(time.perf_counter() - began)
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cpu_model()}\n")
    print("| measure | value |\n|---|---|")
    print(f"| start, until the page answers | {start_seconds:.1f} s |")
    print(
        f"| one upload, answered ({len(seconds)} uploads): median | "
        f"{statistics.median(seconds) * 1e3:.0f} ms |"
    )
    print(f"| one upload, answered: slowest | {max(seconds) * 1e3:.0f} ms |")


if __name__ == "__main__":
    main()
