#!/usr/bin/env python3
"""Soak: a fixed number of mixed requests against a running Hublot front, with resource figures.

    tests/soak/soak.py --url http://127.0.0.1:18090 --requests 100000 --clients 16 \\
        --pid front=PID --pid classifier=PID --report out.json

Each request is drawn, in a fixed repeating order, from a mix of good and hostile uploads
(good JPEG, good PNG, truncated JPEG, corrupt JPEG, wrong type, oversized, slow upload,
client gone mid-upload). Every answer must be the one planned for its kind, or a 503 with
Retry-After (load shedding); anything else (another 5xx, a hang past the client timeout)
is a failure. The RSS and open file descriptors of the given processes are sampled after
warm-up, in the middle and at the end. `make soak` runs it against the Compose stack;
tests/compose/test_faults.py runs a short smoke of it.

Traffic goes to the given URL only (127.0.0.1 in every caller); the run is bounded by
`--requests` and `--max-seconds`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tiny_png(width: int = 96, height: int = 96) -> bytes:
    """A real RGB PNG (a colour gradient), written with zlib alone."""
    rows = b"".join(b"\x00" + bytes(((x * 255 // width), (y * 255 // height), 128)[c]
                                    for x in range(width) for c in range(3)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@dataclass(frozen=True)
class Kind:
    """One kind of request of the mix and the statuses it may get (503 shedding is always allowed)."""

    name: str
    body: bytes
    content_type: str
    expected: frozenset[int]
    trickle_seconds: float = 0.0  # send the body over this long (slow upload)
    abort_after: int = -1  # close the connection after this many body bytes (client gone)
    declared_length: int = -1  # Content-Length to announce when it is not len(body) (oversized)


def mix(photo: bytes, max_upload: int) -> list[Kind]:
    """The request mix, in the order it repeats."""
    corrupt = photo[:2] + bytes((b * 7 + 3) % 256 for b in photo[2:4096])
    return [
        Kind("good_jpeg", photo, "image/jpeg", frozenset({200})),
        Kind("good_png", tiny_png(), "image/png", frozenset({200})),
        Kind("good_jpeg", photo, "image/jpeg", frozenset({200})),
        Kind("truncated", photo[: len(photo) // 3], "image/jpeg", frozenset({422})),
        Kind("good_jpeg", photo, "image/jpeg", frozenset({200})),
        Kind("corrupt", corrupt, "image/jpeg", frozenset({422})),
        Kind("wrong_type", b"this is not an image\n" * 20, "text/plain", frozenset({415})),
        Kind("good_jpeg", photo, "image/jpeg", frozenset({200})),
        # Announces more than the limit, sends 64 KiB, then waits: the answer must come from the header.
        Kind("oversized", photo[:65536], "image/jpeg", frozenset({413}), declared_length=max_upload + 1),
        Kind("slow_upload", photo, "image/jpeg", frozenset({200}), trickle_seconds=1.0),
        Kind("client_gone", photo, "image/jpeg", frozenset(), abort_after=len(photo) // 2),
    ]


@dataclass
class Tally:
    """Answers by kind and status, failures, and latencies of good requests."""

    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    good_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def send(url: urllib.parse.ParseResult, kind: Kind, timeout: float) -> tuple[int | None, str | None, float]:
    """One request of `kind`; (status or None when the client left, Retry-After, milliseconds)."""
    start = time.monotonic()
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.putrequest("POST", "/api/classify")
        connection.putheader("Content-Type", kind.content_type)
        length = kind.declared_length if kind.declared_length >= 0 else len(kind.body)
        connection.putheader("Content-Length", str(length))
        # One request per connection: the oversized kind then needs its 413 while its body is unsent (the
        # servers answer from the header and drop the rest after the answer: lingering close).
        connection.putheader("Connection", "close")
        connection.endheaders()
        if kind.abort_after >= 0:
            connection.send(kind.body[: kind.abort_after])
            connection.sock.shutdown(socket.SHUT_RDWR)
            return None, None, (time.monotonic() - start) * 1000
        if kind.trickle_seconds > 0:
            pieces = 10
            step = -(-len(kind.body) // pieces)
            for offset in range(0, len(kind.body), step):
                connection.send(kind.body[offset: offset + step])
                time.sleep(kind.trickle_seconds / pieces)  # the client's pace, not synchronisation
        else:
            try:
                connection.send(kind.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # a server may answer 413 and close before reading it all: read that answer
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After"), (time.monotonic() - start) * 1000
    finally:
        connection.close()


def sample(pids: dict[str, int]) -> dict[str, dict[str, int]]:
    """RSS (KiB) and open file descriptors of each process."""
    figures = {}
    for name, pid in pids.items():
        rss = 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        figures[name] = {"rss_kib": rss, "fds": len(os.listdir(f"/proc/{pid}/fd"))}
    return figures


def run(url: str, requests: int, clients: int, pids: dict[str, int], max_upload: int,
        photo: bytes, timeout: float = 60.0, max_seconds: float = 3600.0, log=print) -> dict:
    """Sends `requests` requests with `clients` threads; returns the report (see module doc)."""
    parsed = urllib.parse.urlparse(url)
    kinds = mix(photo, max_upload)
    tally = Tally()
    counter = iter(range(requests))
    counter_lock = threading.Lock()
    warm = max(1, requests // 20)
    samples: dict[str, dict] = {}
    started = time.monotonic()

    def next_index() -> int | None:
        with counter_lock:
            if time.monotonic() - started > max_seconds:
                return None
            return next(counter, None)

    def client() -> None:
        while (index := next_index()) is not None:
            kind = kinds[index % len(kinds)]
            try:
                status, retry_after, ms = send(parsed, kind, timeout)
            except OSError as error:
                with tally.lock:
                    tally.statuses[(kind.name, type(error).__name__)] += 1
                    if kind.abort_after < 0:
                        tally.failures.append(f"{kind.name}: {type(error).__name__}: {error}")
                continue
            with tally.lock:
                tally.statuses[(kind.name, status if status is not None else "client_gone")] += 1
                if status is None:
                    pass
                elif status in kind.expected:
                    if status == 200 and kind.name.startswith("good"):
                        tally.good_ms.append(ms)
                elif status == 503 and retry_after:
                    pass
                else:
                    tally.failures.append(f"{kind.name}: answered {status}")
            if index in (warm, requests // 2) and pids:
                samples["warm" if index == warm else "middle"] = sample(pids)
            if index > 0 and index % max(1, requests // 10) == 0:
                log(f"  {index} requests sent in {time.monotonic() - started:.0f} s"
                    + (f", {sample(pids)}" if pids else ""))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if pids:
        samples["end"] = sample(pids)
    good = sorted(tally.good_ms)
    growth = {}
    if "warm" in samples and "end" in samples:
        for name in pids:
            before, after = samples["warm"][name], samples["end"][name]
            growth[name] = {"rss_pct": round(100 * (after["rss_kib"] - before["rss_kib"]) / max(1, before["rss_kib"]), 1),
                            "fds": after["fds"] - before["fds"]}
    sent = sum(tally.statuses.values())
    if sent < requests:
        tally.failures.append(f"stopped by --max-seconds ({max_seconds:g} s) after {sent} of {requests} requests")
    return {
        "requests": sent, "requested": requests, "clients": clients, "seconds": round(elapsed, 1),
        "answers": {f"{k[0]} {k[1]}": v for k, v in sorted(tally.statuses.items(), key=str)},
        "failures": len(tally.failures), "failure_examples": tally.failures[:20],
        "good_latency_ms": {
            "count": len(good),
            "p50": round(statistics.median(good), 1) if good else None,
            "p99": round(good[int(0.99 * (len(good) - 1))], 1) if good else None,
            "max": round(good[-1], 1) if good else None,
        },
        "resources": samples, "growth_after_warmup": growth,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the front's base URL (127.0.0.1 only)")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--pid", action="append", default=[], help="NAME=PID of a process to sample")
    parser.add_argument("--max-upload", type=int, default=20 * 1024 * 1024)
    parser.add_argument("--photo", type=Path, required=True)
    parser.add_argument("--max-seconds", type=float, default=7200, help="stop (and fail) after this long")
    parser.add_argument("--max-growth-pct", type=float, default=5.0)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    host = urllib.parse.urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be on the loopback interface")
    pids = {name: int(pid) for name, pid in (item.split("=", 1) for item in args.pid)}
    report = run(args.url, args.requests, args.clients, pids, args.max_upload, args.photo.read_bytes(),
                 max_seconds=args.max_seconds)
    text = json.dumps(report, indent=2)
    print(text)
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    over = {n: g for n, g in report["growth_after_warmup"].items() if g["rss_pct"] > args.max_growth_pct}
    ok = report["failures"] == 0 and not over
    print(f"soak: {report['requests']} requests in {report['seconds']} s, {report['failures']} failures, "
          f"growth after warm-up {report['growth_after_warmup']}: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
