"""Graceful shutdown with requests in flight, the access log, and load shedding on the live server."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hublot_testing import ServerProcess, start_classifier

MODEL = "efficientnet_lite0"


def classify(port: int, image: bytes, request_id: str, timeout: float = 60.0) -> tuple[int, dict[str, str], dict[str, object]]:
    """POST /v1/classify with a raw JPEG; status, headers and JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/v1/classify?top_k=1", body=image, headers={"Content-Type": "image/jpeg", "X-Request-Id": request_id})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def slow_classify(port: int, image: bytes, started: threading.Event, pause: float) -> tuple[int, dict[str, object]]:
    """Send the headers and half the body, signal `started`, wait `pause`, send the rest; the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest("POST", "/v1/classify?top_k=1")
        connection.putheader("Content-Type", "image/jpeg")
        connection.putheader("Content-Length", str(len(image)))
        connection.endheaders()
        half = len(image) // 2
        connection.send(image[:half])
        started.set()
        time.sleep(pause)
        connection.send(image[half:])
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def metrics_text(port: int) -> str:
    """The server's /metrics."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/metrics")
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def active_posts(port: int) -> float:
    """Requests in flight by method POST, from Hummingbird's `http_server_active_requests` gauge."""
    text = metrics_text(port)
    match = re.search(r'^http_server_active_requests\{[^}]*"POST"[^}]*\} (\S+)$', text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def wait_for_active_posts(port: int, count: int, timeout: float = 30.0) -> None:
    """Waits until the server reports `count` POST requests in flight (bounded)."""
    deadline = time.monotonic() + timeout
    while active_posts(port) < count:
        assert time.monotonic() < deadline, f"fewer than {count} requests in flight after {timeout} s"
        time.sleep(0.01)


@pytest.fixture()
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A classifier of this test's own, since the test stops it."""
    server = start_classifier(tmp_path / "classifier.log")
    yield server
    server.stop()


def test_sigterm_lets_in_flight_requests_finish_and_exits_0(own_server: ServerProcess, photos: Path) -> None:
    cat = (photos / "cat.jpg").read_bytes()
    turtle = (photos / "turtle.jpg").read_bytes()
    started = threading.Event()
    with ThreadPoolExecutor(max_workers=9) as pool:
        slow = pool.submit(slow_classify, own_server.port, cat, started, 1.0)
        assert started.wait(timeout=10), "the slow upload did not start"
        burst = [pool.submit(classify, own_server.port, turtle, f"burst-{i}") for i in range(8)]
        # The signal arrives once all nine requests are in flight (the server counts them), not after a guessed pause.
        wait_for_active_posts(own_server.port, 9)
        own_server.terminate()
        status, body = slow.result(timeout=60)
        assert status == 200, body
        assert body["predictions"][0]["index"] == 282 or body["predictions"][0]["label"] in {"tabby", "tiger cat", "Egyptian cat"}
        for future in burst:
            status, _, answer = future.result(timeout=60)
            assert status == 200, answer
    assert own_server.wait(timeout=30) == 0
    # Once stopped, it accepts nothing.
    with pytest.raises(OSError):
        classify(own_server.port, cat, "after", timeout=2)
    assert "batch queues drained and stopped" in own_server.log()


def grpc_infers_started(port: int) -> float:
    """gRPC ModelInfer calls in flight or answered, from `hublot_grpc_active_requests` and `hublot_grpc_requests_total`."""
    text = metrics_text(port)
    method = re.escape('method="inference.GRPCInferenceService/ModelInfer"')
    series = re.findall(rf'^hublot_grpc_(?:active_requests|requests_total)\{{{method}[^}}]*\}} (\S+)$', text, re.MULTILINE)
    return sum(float(value) for value in series)


def test_sigterm_lets_in_flight_grpc_calls_finish_and_ends_health_watches(tmp_path: Path, photos: Path) -> None:
    """gRPC shuts down like HTTP: the calls in flight are answered, a health watch is told NOT_SERVING and
    ends (it does not hold the shutdown up: the shutdown timeout here is far longer than the bounded wait)."""
    import grpc
    import numpy as np
    import tritonclient.grpc as grpcclient
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    server = start_classifier(tmp_path / "classifier.log", "--shutdown-timeout-s", "300")
    try:
        turtle = np.array([(photos / "turtle.jpg").read_bytes()], dtype=np.object_)
        client = grpcclient.InferenceServerClient(url=f"127.0.0.1:{server.grpc_port}")

        def infer(_: int) -> tuple[int, ...]:
            tensor = grpcclient.InferInput("images", [1], "BYTES")
            tensor.set_data_from_numpy(turtle)
            return client.infer(MODEL, inputs=[tensor]).as_numpy("probabilities").shape

        with grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel, ThreadPoolExecutor(max_workers=8) as pool:
            watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""), timeout=120)
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            calls = [pool.submit(infer, i) for i in range(8)]
            deadline = time.monotonic() + 30
            # SIGTERM once the server has all eight (in flight or answered): it counts them, no guessed pause.
            while grpc_infers_started(server.port) < 8:
                assert time.monotonic() < deadline, "the eight gRPC calls had not all reached the server after 30 s"
                time.sleep(0.005)
            server.terminate()
            assert [call.result(timeout=60) for call in calls] == [(1, 1000)] * 8
            assert [update.status for update in watch] == [health_pb2.HealthCheckResponse.NOT_SERVING]
        assert server.wait(timeout=60) == 0
        assert "batch queues drained and stopped" in server.log()
    finally:
        server.stop()


def test_one_access_log_line_per_request(classifier: ServerProcess, photos: Path) -> None:
    status, headers, _ = classify(classifier.port, (photos / "bus.jpg").read_bytes(), "log-check-42")
    assert status == 200
    assert headers["X-Request-Id"] == "log-check-42"
    deadline = time.monotonic() + 5
    lines: list[str] = []
    while time.monotonic() < deadline and not lines:
        lines = [line for line in classifier.log().splitlines() if "hb.request.id=log-check-42" in line and line.rstrip().endswith("request")]
        time.sleep(0.05)
    assert len(lines) == 1, lines
    line = lines[0]
    for field in ["method=POST", "path=/v1/classify", "status=200", "model=efficientnet_lite0"]:
        assert field in line, line
    assert re.search(r"duration_ms=\d+\.\d\d", line), line


def test_overload_sheds_with_retry_after_and_nothing_waits_unbounded(tmp_path: Path, photos: Path) -> None:
    server = start_classifier(tmp_path / "tiny.log", "--queue-capacity", "2", "--max-batch-size", "1")
    try:
        turtle = (photos / "turtle.jpg").read_bytes()
        begin = time.monotonic()
        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(lambda i: classify(server.port, turtle, f"o-{i}", timeout=30), range(64)))
        elapsed = time.monotonic() - begin
        shed = [r for r in results if r[0] == 503]
        served = [r for r in results if r[0] == 200]
        assert shed, "a burst of 64 against a queue of 2 sheds some requests"
        assert served, "and serves some"
        assert len(shed) + len(served) == 64
        for _, headers, body in shed:
            assert headers.get("Retry-After") == "1"
            assert body["error"]["code"] == "overloaded"
        assert elapsed < 60
    finally:
        server.stop()
