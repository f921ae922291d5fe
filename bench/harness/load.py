"""Closed-loop load with wrk and bench/wrk/classify.lua (one photo, several in turn, or a photo made new for every request)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "wrk" / "classify.lua"


@dataclasses.dataclass(frozen=True)
class Photo:
    """A photo sent as the request body and the top-1 labels accepted for it."""

    name: str
    path: Path
    expected: tuple[str, ...]


@dataclasses.dataclass
class LoadResult:
    """What wrk measured in one run (latencies in ms, throughput of correct answers per second)."""

    requests: int
    correct: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    error_sample: str
    cached: int = 0
    """Answers whose timings said `"cached": true`."""


def wrk_command(url: str, concurrency: int, seconds: float) -> list[str]:
    """The wrk command line: one thread (wrk shares the 2 cores with the server), --latency, 60 s timeout."""
    return [
        "wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
        "--latency", "-s", str(SCRIPT), url,
    ]


def parse(output: str) -> LoadResult:
    """The BENCH_JSON line printed by classify.lua's done()."""
    line = next((l for l in output.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH_JSON line:\n{output}")
    data = json.loads(line[len("BENCH_JSON ") :])
    seconds = data["duration_us"] / 1e6
    transport = data["connect_errors"] + data["read_errors"] + data["write_errors"] + data["timeouts"]
    return LoadResult(
        requests=data["requests"],
        correct=data["correct"],
        errors=data["wrong"] + data["bad_status"] + transport,
        seconds=seconds,
        throughput=data["correct"] / seconds if seconds > 0 else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        error_sample=data["sample"],
        cached=data.get("cached", 0),
    )


def run(url: str, photo: Photo, concurrency: int, seconds: float) -> LoadResult:
    """Runs wrk with classify.lua (``photo`` in every request) against ``url`` and returns its figures."""
    return run_with(url, {"BENCH_PHOTO": str(photo.path), "BENCH_EXPECT": "|".join(photo.expected)},
                    concurrency, seconds)


def run_with(url: str, settings: dict[str, str], concurrency: int, seconds: float) -> LoadResult:
    """Runs wrk with classify.lua, configured by the environment variables ``settings`` (its header), against ``url``."""
    environment = {**os.environ, **settings}
    completed = subprocess.run(
        wrk_command(url, concurrency, seconds), env=environment, capture_output=True, text=True,
        timeout=seconds + 120, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr}{completed.stdout}")
    return parse(completed.stdout)
