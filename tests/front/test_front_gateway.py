"""The front's gateway under hostile uploads (issue 14), against a fake classifier: slow uploads, bodies
sent before reading the answer; and /api/explain (issue 19). No browser needed."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_classifier import FakeClassifier, fake_classifier
from slow_clients import send_part_then_read, send_whole_body_then_read, trickle_headers_until_closed
from hublot_testing import ServerProcess, binary, free_port, get_json, start_server


@pytest.fixture
def classifier() -> Iterator[FakeClassifier]:
    with fake_classifier() as fake:
        yield fake


def run_front(classifier_url: str, log_path: Path, *extra: str) -> ServerProcess:
    """hublot-front on a free port with `extra` options, once /readyz answers."""
    port = free_port()
    command = [str(binary("hublot-front", "HUBLOT_FRONT_BIN")), "--host", "127.0.0.1", "--port", str(port),
               "--classifier-url", classifier_url, *extra]
    return start_server(command, port, log_path, "/readyz")


def read_answer(connection: socket.socket) -> bytes:
    """One HTTP answer (head and `Content-Length` body), or what came before the server closed or went
    quiet for 20 s."""
    connection.settimeout(20)
    data = b""
    try:
        while chunk := connection.recv(65536):
            data += chunk
            head, separator, body = data.partition(b"\r\n\r\n")
            if separator:
                lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")]
                if lengths and len(body) >= int(lengths[0]):
                    break
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_an_upload_still_arriving_at_the_deadline_is_answered_and_the_front_survives(
    classifier: FakeClassifier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14 #1: the front trapped (SIGILL) after answering 504 to an upload still arriving.
    (The body timeout comes from the environment so that a front without it still runs, and traps.)"""
    monkeypatch.setenv("HUBLOT_BODY_TIMEOUT", "1")
    front = run_front(classifier.url, tmp_path / "front.log", "--request-timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", front.port)) as connection:
            connection.sendall(
                b"POST /api/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                b"Content-Length: 100000\r\n\r\n" + b"\xff" * 1000)
            answer = read_answer(connection)
        assert status_of(answer) == 408, answer[:300]
        assert b"request_timeout" in answer
        assert front.process.poll() is None, front.log()
        assert get_json(front.url + "/healthz")[0] == 200
        assert classifier.classify_calls == 0
    finally:
        front.stop()


def classify(front: ServerProcess, body: bytes, content_type: str = "image/jpeg") -> tuple[int, bytes]:
    """POST /api/classify with `body`; the status and the answer's body."""
    request = urllib.request.Request(front.url + "/api/classify", data=body, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_slow_uploads_hold_no_classifier_connection(classifier: FakeClassifier, tmp_path: Path) -> None:
    """Issue 14 #5: slow uploads held every connection to the classifier and starved everything else."""
    front = run_front(classifier.url, tmp_path / "front.log", "--classifier-connections", "2", "--request-timeout", "20")
    slow = [socket.create_connection(("127.0.0.1", front.port)) for _ in range(4)]
    try:
        for connection in slow:
            connection.sendall(b"POST /api/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                               b"Content-Length: 100000\r\n\r\n" + b"\xff" * 1000)
        assert classify(front, b"\xff\xd8\xff")[0] == 200
        assert get_json(front.url + "/readyz")[0] == 200
        assert classifier.classify_calls == 1
    finally:
        for connection in slow:
            connection.close()
        front.stop()


@pytest.mark.parametrize("size_mib", [15, 64])
@pytest.mark.parametrize("connection_header", [b"keep-alive", b"close"])
@pytest.mark.parametrize("path", [b"/api/classify", b"/classify"])
def test_a_client_that_sends_its_whole_body_before_reading_gets_its_413(
    classifier: FakeClassifier, tmp_path: Path, connection_header: bytes, path: bytes, size_mib: int
) -> None:
    """Issue 14 #7: after a 413 to a `Connection: close` request the front neither read nor closed (Hummingbird
    reads the rest of a body only for kept-alive connections), so a client still sending its body hung. The
    rest is now read and dropped after the answer (lingering close), however large."""
    front = run_front(classifier.url, tmp_path / "front.log", "--max-upload-bytes", str(4 * 1024 * 1024))
    try:
        body = b"\xff" * (size_mib * 1024 * 1024)
        with socket.create_connection(("127.0.0.1", front.port)) as connection:
            connection.settimeout(20)
            connection.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nConnection: %s\r\nContent-Type: image/jpeg\r\n"
                               b"Content-Length: %d\r\n\r\n" % (path, connection_header, len(body)) + body)
            answer = read_answer(connection)
        assert status_of(answer) == 413, answer[:300]
        assert classifier.classify_calls == 0
    finally:
        front.stop()


@pytest.mark.parametrize("path", [b"/api/classify", b"/classify"])
def test_a_client_that_waits_mid_body_gets_its_413_without_sending_the_rest(
    classifier: FakeClassifier, tmp_path: Path, path: bytes
) -> None:
    """Issue 14 #7: a `Connection: close` upload announcing more than the limit that sends part of its body and
    then waits got its 413 only after the body timeout (408). It is answered from its header, at once."""
    front = run_front(classifier.url, tmp_path / "front.log", "--max-upload-bytes", str(4 * 1024 * 1024),
                      "--body-timeout", "300")
    try:
        answer = send_part_then_read(front.port, b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg" % path,
                                     declared=8 * 1024 * 1024, sent=1024 * 1024)
        assert status_of(answer) == 413, answer[:300]
        assert classifier.classify_calls == 0
    finally:
        front.stop()


def test_a_client_that_sends_its_whole_body_before_reading_gets_its_early_400(
    classifier: FakeClassifier, tmp_path: Path
) -> None:
    """Issue 14 #7/#10: a `Connection: close` request refused before its body was read (here a bad `top_k`)
    left a client that sends its whole body before reading blocked until the head timeout."""
    front = run_front(classifier.url, tmp_path / "front.log")
    try:
        answer = send_whole_body_then_read(
            front.port, b"POST /api/classify?top_k=0 HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg", b"\xff" * (5 * 1024 * 1024))
        assert status_of(answer) == 400, answer[:300]
        assert classifier.classify_calls == 0
    finally:
        front.stop()


def test_an_idle_connection_is_closed(classifier: FakeClassifier, tmp_path: Path) -> None:
    """Issue 14 #10: idle connections stayed open indefinitely."""
    front = run_front(classifier.url, tmp_path / "front.log", "--idle-timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", front.port)) as connection:
            connection.settimeout(20)
            assert connection.recv(1) == b""
    finally:
        front.stop()


def test_uploads_past_the_memory_budget_are_shed_with_503(
    classifier: FakeClassifier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14 #6: concurrent large form posts grew the front past its memory limit. The budget holds the
    largest form post once (2 x (100000 + 64 KiB)): three raw uploads of 100000 bytes fit, a fourth does not."""
    monkeypatch.setenv("HUBLOT_BODY_TIMEOUT", "3")
    front = run_front(classifier.url, tmp_path / "front.log", "--max-upload-bytes", "100000",
                      "--upload-memory-bytes", str(2 * (100000 + 65536)))
    uploads = [socket.create_connection(("127.0.0.1", front.port)) for _ in range(4)]
    try:
        for connection in uploads:
            connection.sendall(b"POST /api/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                               b"Content-Length: 100000\r\n\r\n" + b"\xff" * 1000)
        answers = [read_answer(connection) for connection in uploads]
        assert sorted(status_of(answer) for answer in answers) == [408, 408, 408, 503], [a[:100] for a in answers]
        shed = next(answer for answer in answers if status_of(answer) == 503)
        assert b"Retry-After" in shed and b"overloaded" in shed
        with urllib.request.urlopen(front.url + "/metrics", timeout=10) as response:
            assert "hublot_front_uploads_shed_total 1" in response.read().decode()
        assert classify(front, b"\xff\xd8\xff")[0] == 200
    finally:
        for connection in uploads:
            connection.close()
        front.stop()


def test_a_head_trickling_in_is_cut_off(classifier: FakeClassifier, tmp_path: Path) -> None:
    """Issue 14 #10 (slowloris): a client sending its headers a byte at a time kept its connection forever."""
    front = run_front(classifier.url, tmp_path / "front.log", "--header-timeout", "1")
    try:
        assert trickle_headers_until_closed(front.port)
        assert get_json(front.url + "/healthz")[0] == 200
    finally:
        front.stop()


def explain(front: ServerProcess, query: str, body: bytes = b"\xff\xd8\xff") -> tuple[int, dict[str, str], bytes]:
    """POST /api/explain?`query` with `body`; the status, the headers and the answer's body."""
    request = urllib.request.Request(f"{front.url}/api/explain?{query}", data=body, method="POST",
                                     headers={"Content-Type": "image/jpeg"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_explain_is_forwarded_with_its_query(classifier: FakeClassifier, tmp_path: Path) -> None:
    """Issue 19: /api/explain relays the classifier's occlusion maps, the query passed on as the front read it."""
    front = run_front(classifier.url, tmp_path / "front.log")
    try:
        status, headers, body = explain(front, "model=fake&grid=5&class=2&class=1")
        assert status == 200, body
        assert headers["Content-Type"].startswith("application/json")
        answer = json.loads(body)
        assert answer["grid"] == 5
        assert [item["index"] for item in answer["maps"]] == [2, 1]
        assert classifier.explain_paths == ["/v1/models/fake/explain?grid=5&class=2,1&top_k=5"]
        assert classifier.classify_calls == 0
    finally:
        front.stop()


def test_explain_refuses_a_bad_query_before_forwarding(classifier: FakeClassifier, tmp_path: Path) -> None:
    """Issue 19: a grid or classes out of ExplainParameters' limits are the front's 400, never the classifier's."""
    front = run_front(classifier.url, tmp_path / "front.log")
    try:
        for query in ("model=fake&grid=1", "model=fake&grid=15", "model=fake&class=x", "model=fake&class=1,2,3,4,5,6"):
            status, _, body = explain(front, query)
            assert status == 400, (query, body)
            assert json.loads(body)["error"]["code"] == "bad_request"
        assert classifier.explain_paths == []
    finally:
        front.stop()


def test_explain_relays_an_overloaded_classifier_with_its_retry_after(classifier: FakeClassifier, tmp_path: Path) -> None:
    """Issue 19: explanations are shed first; the front passes the 503 and its Retry-After on."""
    classifier.explain_overloaded = True
    front = run_front(classifier.url, tmp_path / "front.log")
    try:
        status, headers, body = explain(front, "model=fake")
        assert status == 503, body
        assert json.loads(body)["error"]["code"] == "overloaded"
        assert headers["Retry-After"] == "7"
    finally:
        front.stop()
