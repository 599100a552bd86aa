"""Measure a running scoring server with real requests: single-image latency and
batched throughput.

Start the server first (``make serve``, or ``mlflow models serve -m
models:/fashion_mnist_classifier@champion --env-manager local --port 5001``),
then, from the project root, in the project's environment:

    python scripts/benchmark_serving.py [--url http://127.0.0.1:5001]
        [--images data/01_raw/new_images] [--single 200] [--batch 100] [--batches 30]

Each request sends real picture files (base64 in JSON, the ``image`` column) over
one kept-alive HTTP connection, one request at a time, as one client would. The
first requests are not counted (the server's first calls trace the network).
Prints a Markdown table. Measure with nothing else running on the machine.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import statistics
import time
import urllib.parse
from datetime import UTC, datetime
from itertools import cycle, islice
from pathlib import Path

WARMUP = 10


def photo_files(folder: Path) -> list[Path]:
    """The PNG and JPEG files of ``folder``, or exit saying how to make some."""
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"}
    )
    if not files:
        raise SystemExit(
            f"No PNG or JPEG files in {folder}; write sample ones with: "
            "python scripts/make_sample_images.py"
        )
    return files


def _body(files: list[Path], raw: list[bytes] = ()) -> bytes:
    """A request with one row per picture: ``files``, then the bytes ``raw``."""
    pictures = [path.read_bytes() for path in files] + list(raw)
    cells = [[base64.b64encode(data).decode()] for data in pictures]
    return json.dumps(
        {"dataframe_split": {"columns": ["image"], "data": cells}}
    ).encode()


def _timed(connection: http.client.HTTPConnection, body: bytes, count: int) -> float:
    started = time.perf_counter()
    connection.request(
        "POST", "/invocations", body, {"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    answer = response.read()
    seconds = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"the server answered {response.status}: {answer[:500]!r}")
    if len(json.loads(answer)["predictions"]) != count:
        raise SystemExit("the server did not answer every image")
    return seconds


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5001")
    parser.add_argument("--images", type=Path, default=Path("data/01_raw/new_images"))
    parser.add_argument("--single", type=int, default=200, help="single-image requests")
    parser.add_argument(
        "--batch", type=int, default=100, help="images per batched request"
    )
    parser.add_argument("--batches", type=int, default=30, help="batched requests")
    args = parser.parse_args()
    from fashion_mnist.performance import cpu_model  # noqa: PLC0415 (after --help)

    files = photo_files(args.images)
    address = urllib.parse.urlparse(args.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)

    singles = [_body([path]) for path in files]
    for body in islice(cycle(singles), WARMUP):
        _timed(connection, body, 1)
    latencies = [
        _timed(connection, body, 1) for body in islice(cycle(singles), args.single)
    ]

    batch = _body(list(islice(cycle(files), args.batch)))
    for _ in range(2):
        _timed(connection, batch, args.batch)
    batch_seconds = [_timed(connection, batch, args.batch) for _ in range(args.batches)]
    connection.close()

    sizes = [path.stat().st_size for path in files]
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cpu_model()}, {args.url}, "
        f"{len(files)} files of {min(sizes) / 1e3:.0f}-{max(sizes) / 1e3:.0f} kB "
        f"from {args.images}\n"
    )
    print("| measure | value |\n|---|---|")
    print(
        f"| single image: median latency ({args.single} requests) | "
        f"{statistics.median(latencies) * 1e3:.1f} ms |"
    )
    print(
        f"| single image: 95th percentile | {_percentile(latencies, 0.95) * 1e3:.1f} ms |"
    )
    print(
        f"| {args.batch} images a request: median latency ({args.batches} requests) | "
        f"{statistics.median(batch_seconds) * 1e3:.0f} ms |"
    )
    print(
        f"| {args.batch} images a request: throughput | "
        f"{args.batch / statistics.median(batch_seconds):.0f} images/s |"
    )


if __name__ == "__main__":
    main()
