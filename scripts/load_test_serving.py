"""Load-test a running scoring server: single-photo requests from several
concurrent clients, with bad requests mixed in.

Start the server first (``make serve``, or ``make serve SERVE_WORKERS=1``),
then, from the project root, in the project's environment:

    python scripts/load_test_serving.py [--url http://127.0.0.1:5001]
        [--images data/01_raw/new_images] [--clients 1,4,16] [--seconds 30]
        [--max-requests 20000]

For each number of clients, that many threads, each with its own kept-alive
connection, send one real photo a request (base64 in JSON, the ``image``
column) until ``--seconds`` have passed or ``--max-requests`` were sent, all
starting together. Beside them one more client sends a bad request (bytes that
are not a picture) every half second; each must get HTTP 400. Between levels a
good request must still be answered. Prints a Markdown table, and exits with 1
when any request failed, a bad one got another status than 400 or the server
stopped answering. Only addresses of this machine (127.0.0.0/8, localhost,
::1) are accepted. Measure with nothing else running on the machine.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import cycle
from pathlib import Path

from benchmark_serving import WARMUP, _body, _percentile, _timed, photo_files

BAD_EVERY = 0.5  # seconds between two bad requests during a level


@dataclass
class Level:
    """What one load level measured."""

    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bad_statuses: list[int] = field(default_factory=list)
    seconds: float = 0.0


def _local(url: str) -> urllib.parse.ParseResult:
    address = urllib.parse.urlparse(url)
    host = address.hostname or ""
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError
        except ValueError:
            raise SystemExit(
                f"{url}: only a server on this machine is load-tested "
                "(127.0.0.1, localhost or [::1])"
            ) from None
    return address


def _connect(address: urllib.parse.ParseResult) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(address.hostname, address.port, timeout=60)


def _post(connection: http.client.HTTPConnection, body: bytes) -> tuple[int, bytes]:
    connection.request(
        "POST", "/invocations", body, {"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    return response.status, response.read()


def _client(address, bodies, level: Level, start: threading.Barrier, stop) -> None:
    connection = _connect(address)
    start.wait()
    for body in cycle(bodies):
        if stop():
            break
        began = time.perf_counter()
        try:
            status, answer = _post(connection, body)
        except OSError as exc:  # refused, reset, timed out
            level.errors.append(f"{type(exc).__name__}: {exc}")
            connection.close()
            connection = _connect(address)
            continue
        if status == 200:
            level.latencies.append(time.perf_counter() - began)
        else:
            level.errors.append(f"HTTP {status}: {answer[:200]!r}")
    connection.close()


def _bad_client(address, level: Level, start: threading.Barrier, stop) -> None:
    body = _body([], raw=[b"%PDF-1.4 not a picture"])
    connection = _connect(address)
    start.wait()
    while not stop():
        try:
            level.bad_statuses.append(_post(connection, body)[0])
        except OSError:
            level.bad_statuses.append(0)
            connection.close()
            connection = _connect(address)
        time.sleep(BAD_EVERY)
    connection.close()


def run_level(
    address, bodies, clients: int, seconds: float, max_requests: int
) -> Level:
    """``clients`` threads sending ``bodies`` for ``seconds`` (or until
    ``max_requests`` were answered or failed), with one bad client beside them."""
    level = Level(clients)
    start = threading.Barrier(clients + 2)  # the clients, the bad one, this thread
    deadline = [0.0]

    def stop() -> bool:
        done = len(level.latencies) + len(level.errors)
        return time.perf_counter() > deadline[0] or done >= max_requests

    threads = [
        threading.Thread(target=_client, args=(address, bodies, level, start, stop))
        for _ in range(clients)
    ] + [threading.Thread(target=_bad_client, args=(address, level, start, stop))]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    level.seconds = time.perf_counter() - began
    return level


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5001")
    parser.add_argument("--images", type=Path, default=Path("data/01_raw/new_images"))
    parser.add_argument("--clients", default="1,4,16", help="comma-separated levels")
    parser.add_argument("--seconds", type=float, default=30.0, help="per level")
    parser.add_argument(
        "--max-requests", type=int, default=20_000, help="per level, at most"
    )
    args = parser.parse_args()
    levels = [int(count) for count in args.clients.split(",")]
    if not levels or min(levels) < 1 or max(levels) > 64:
        raise SystemExit("--clients: numbers from 1 to 64, e.g. 1,4,16")
    if not 0 < args.seconds <= 600:
        raise SystemExit("--seconds: more than 0, at most 600")
    address = _local(args.url)
    from fashion_mnist.performance import cpu_model  # noqa: PLC0415 (after --help)

    bodies = [_body([path]) for path in photo_files(args.images)]
    warm = _connect(address)
    for body in bodies[:WARMUP]:
        _timed(warm, body, 1)
    warm.close()

    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cpu_model()}, {args.url}, "
        f"{len(bodies)} photos from {args.images}, {args.seconds:g} s a level\n"
    )
    print(
        "| clients | answered | errors | bad requests answered 400 | median | p99 "
        "| images/s |\n|---|---|---|---|---|---|---|"
    )
    failed = False
    for clients in levels:
        level = run_level(address, bodies, clients, args.seconds, args.max_requests)
        answered = len(level.latencies)
        bad_ok = sum(status == 400 for status in level.bad_statuses)
        median = statistics.median(level.latencies) * 1e3 if answered else float("nan")
        p99 = _percentile(level.latencies, 0.99) * 1e3 if answered else float("nan")
        print(
            f"| {clients} | {answered:,} | {len(level.errors)} | "
            f"{bad_ok} of {len(level.bad_statuses)} | {median:.1f} ms | {p99:.1f} ms "
            f"| {answered / level.seconds:.0f} |",
            flush=True,
        )
        for error in level.errors[:3]:
            print(f"  error: {error}")
        # The server still answers between levels (a new connection: the
        # server closes idle ones after a few seconds).
        check = _connect(address)
        _timed(check, bodies[0], 1)
        check.close()
        failed |= bool(level.errors) or bad_ok != len(level.bad_statuses)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
