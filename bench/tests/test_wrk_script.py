"""bench/wrk/classify.lua against a server that records the bodies, and bench/harness/prometheus's parsing."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from localserver import LocalServer

from harness import load, prometheus

CACHED = b'{"predictions":[{"label":"tabby","probability":0.5,"index":281}],"timings":{"total_ms":1,"cached":true}}'
FRESH = b'{"predictions":[{"label":"banana","probability":0.9,"index":954}],"timings":{"total_ms":9}}'


def recorder() -> tuple[LocalServer, list[bytes]]:
    """A local server that keeps every body POSTed to it and answers `cached` for bodies seen before."""
    bodies: list[bytes] = []

    def answer(body: bytes) -> tuple[int, bytes]:
        data = CACHED if body in bodies else FRESH
        bodies.append(body)
        return 200, data

    return LocalServer(answer), bodies


def run(settings: dict[str, str], concurrency: int = 2) -> tuple[load.LoadResult, list[bytes]]:
    """One second of classify.lua against a recorder: wrk's figures and the bodies received."""
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed (apt-get install wrk)")
    server, bodies = recorder()
    try:
        result = load.run_with(server.url, settings, concurrency, 1)
    finally:
        server.close()
    return result, bodies


def test_cycle_sends_the_files_in_turn_and_counts_the_answers_said_cached(tmp_path: Path) -> None:
    files = [tmp_path / f"{n}.jpg" for n in range(3)]
    for n, path in enumerate(files):
        path.write_bytes(b"\xff\xd8" + bytes([n]) * (n + 1))
    # One connection: the server receives the bodies in the order they are sent.
    result, bodies = run({"BENCH_BODIES": "|".join(str(path) for path in files), "BENCH_EXPECT": ""}, concurrency=1)
    sent = [path.read_bytes() for path in files]
    assert len(bodies) >= 6 and set(bodies) == set(sent)
    # In turn (wrk calls request() once before the run to check it: the first body may be the second file).
    assert all(sent.index(after) == (sent.index(before) + 1) % 3 for before, after in itertools.pairwise(bodies))
    assert result.errors == 0 and result.correct >= len(bodies) - 1  # the last answer may be cut by the end
    assert len(bodies) - 3 - 1 <= result.cached <= len(bodies) - 3


def test_cycle_makes_every_body_new_with_a_comment_after_the_soi_and_checks_the_label(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 the rest of the photo")
    result, bodies = run({"BENCH_PHOTO": str(photo), "BENCH_EXPECT": "tabby", "BENCH_NONCE": "t1"})
    assert len(bodies) >= 3 and len(set(bodies)) == len(bodies)
    for body in bodies:
        assert body[:4] == b"\xff\xd8\xff\xfe"
        length = int.from_bytes(body[4:6], "big")
        text = body[6 : 4 + length]
        assert text.startswith(b"hublot-bench t1 1 ") and body[4 + length :] == b"\xff\xe0 the rest of the photo"
    assert len({len(body) for body in bodies}) == 1  # the same cost for every body
    # Every answer is a miss with the top-1 "banana": all wrong against "tabby".
    assert result.correct == 0 and result.errors >= len(bodies) - 2 and result.cached == 0


def test_cycle_repeats_the_variants_past_its_bound(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 photo")
    _, bodies = run({"BENCH_PHOTO": str(photo), "BENCH_EXPECT": "", "BENCH_VARIANTS": "2"})
    assert len(bodies) >= 3 and len(set(bodies)) == 2


def test_prometheus_samples_are_read_by_name_and_labels() -> None:
    samples = prometheus.parse(
        "# HELP hublot_response_cache_bytes Bytes.\n# TYPE hublot_response_cache_bytes gauge\n"
        "hublot_response_cache_bytes 419.0\n"
        'hublot_response_cache_lookups_total{model="a",outcome="miss"} 3\n'
        'hublot_response_cache_lookups_total{model="a",outcome="hit"} 5\n'
        'hublot_response_cache_lookups_total{model="b",outcome="hit"} 2\n\n')
    assert len(samples) == 4
    assert prometheus.value(samples, "hublot_response_cache_bytes") == 419
    assert prometheus.value(samples, "hublot_response_cache_lookups_total", outcome="hit") == 7
    assert prometheus.value(samples, "hublot_response_cache_lookups_total", model="a", outcome="hit") == 5
    assert prometheus.value(samples, "hublot_response_cache_entries") == 0


def test_wrong_labels_and_bad_statuses_count_as_errors(tmp_path: Path) -> None:
    """One photo (wrk's static request): a right label, a wrong one and a 503 in turn."""
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed (apt-get install wrk)")
    turns = itertools.cycle([(200, b'{"predictions":[{"index":281,"label":"tabby","probability":0.5}]}'),
                             (200, b'{"predictions":[{"index":954,"label":"banana","probability":0.9}]}'),
                             (503, b'{"error":{"code":"overloaded","message":"busy"}}')])
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 not really a photo")
    server = LocalServer(lambda body: next(turns))
    try:
        result = load.run(server.url, load.Photo("photo.jpg", photo, ("tabby", "tiger cat")), 1, 1)
    finally:
        server.close()
    assert result.requests >= 3
    assert result.correct > 0 and result.errors > 0
    assert result.correct + result.errors >= result.requests - 1  # the last answer may be cut by the end of the run
    assert result.correct <= result.requests // 3 + 1
    assert result.throughput == pytest.approx(result.correct / result.seconds)
