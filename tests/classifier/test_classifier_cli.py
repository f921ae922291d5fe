"""The executable's configuration: environment variables, invalid values, a missing repository."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import tritonclient.grpc as grpcclient

from hublot_testing import PACKAGE_ROOT, binary, free_port, get_json, models_dir, photos_dir, start_classifier
from slow_clients import send_part_then_read, send_whole_body_then_read, trickle_headers_until_closed


def classifier_binary() -> Path:
    """The hublot-classifier under test."""
    return binary("hublot-classifier", "HUBLOT_CLASSIFIER_BIN")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(classifier_binary()), *args], capture_output=True, text=True, timeout=60, cwd=PACKAGE_ROOT,
        env={**os.environ, **(env or {})})


def test_help_documents_every_flag_and_its_variable() -> None:
    result = run("--help")
    assert result.returncode == 0
    for flag, variable in [
        ("--host", "HUBLOT_HOST"), ("--port", "HUBLOT_PORT"), ("--models", "HUBLOT_MODELS"), ("--model", "HUBLOT_LOAD_MODELS"),
        ("--default-model", "HUBLOT_DEFAULT_MODEL"), ("--max-batch-size", "HUBLOT_MAX_BATCH_SIZE"),
        ("--max-batch-delay-ms", "HUBLOT_MAX_BATCH_DELAY_MS"), ("--queue-capacity", "HUBLOT_QUEUE_CAPACITY"),
        ("--threads", "HUBLOT_THREADS"), ("--instances", "HUBLOT_INSTANCES"), ("--decode-threads", "HUBLOT_DECODE_THREADS"),
        ("--max-body-bytes", "HUBLOT_MAX_BODY_BYTES"), ("--max-pixels", "HUBLOT_MAX_PIXELS"),
        ("--shutdown-timeout-s", "HUBLOT_SHUTDOWN_TIMEOUT_S"), ("--log-level", "HUBLOT_LOG_LEVEL"),
        ("--body-timeout-s", "HUBLOT_BODY_TIMEOUT_S"), ("--idle-timeout-s", "HUBLOT_IDLE_TIMEOUT_S"),
        ("--header-timeout-s", "HUBLOT_HEADER_TIMEOUT_S"), ("--max-decoded-bytes", "HUBLOT_MAX_DECODED_BYTES"),
        ("--max-jpeg-scans", "HUBLOT_MAX_JPEG_SCANS"), ("--decode-memory-bytes", "HUBLOT_DECODE_MEMORY_BYTES"),
        ("--max-explanations", "HUBLOT_MAX_EXPLANATIONS"), ("--explain-batch-size", "HUBLOT_EXPLAIN_BATCH_SIZE"),
        ("--response-cache-size", "HUBLOT_RESPONSE_CACHE_SIZE"),
    ]:
        assert flag in result.stdout and variable in result.stdout, flag


def test_invalid_values_are_refused_with_exit_64() -> None:
    assert run("--max-batch-size", "0").returncode == 64
    result = run(env={"HUBLOT_QUEUE_CAPACITY": "many"})
    assert result.returncode == 64
    assert "HUBLOT_QUEUE_CAPACITY" in result.stderr


@pytest.mark.parametrize("variable, value", [
    ("HUBLOT_PORT", "80a"), ("HUBLOT_PORT", "70000"), ("HUBLOT_MAX_BODY_BYTES", "-1"), ("HUBLOT_THREADS", "two"),
    ("HUBLOT_BODY_TIMEOUT_S", "0"), ("HUBLOT_IDLE_TIMEOUT_S", "soon"), ("HUBLOT_LOG_LEVEL", "loud"),
    ("HUBLOT_MAX_BATCH_DELAY_MS", "-3"), ("HUBLOT_MAX_DECODED_BYTES", "0"), ("HUBLOT_MAX_JPEG_SCANS", "many"),
    ("HUBLOT_DECODE_MEMORY_BYTES", "-1"), ("HUBLOT_MAX_EXPLANATIONS", "-1"), ("HUBLOT_EXPLAIN_BATCH_SIZE", "0"),
    ("HUBLOT_RESPONSE_CACHE_SIZE", "-1"),
])
def test_an_invalid_environment_value_stops_the_program_naming_the_variable(variable: str, value: str) -> None:
    result = run(env={variable: value})
    assert result.returncode == 64, result.stderr
    assert f"{variable}={value}" in result.stderr


@pytest.mark.parametrize("args, env, message", [
    (["--instances", "0"], {}, "instances must be at least 1"),
    (["--instances", "x"], {}, "'x' is invalid for '--instances"),
    ([], {"HUBLOT_INSTANCES": "0"}, "HUBLOT_INSTANCES=0"),
    ([], {"HUBLOT_INSTANCES": "x"}, "HUBLOT_INSTANCES=x"),
])
def test_an_invalid_instance_count_is_refused_with_exit_64(args: list[str], env: dict[str, str], message: str) -> None:
    result = run(*args, env=env)
    assert result.returncode == 64, result.stderr
    assert message in result.stderr, result.stderr


def test_two_instances_serve_concurrent_requests_correctly(tmp_path: Path) -> None:
    """--instances 2: two sessions of the model (its load says so), each with its batching thread, answer a burst of both photos."""
    server = start_classifier(tmp_path / "instances.log", "--model", "efficientnet_lite0", "--instances", "2", "--threads", "1",
                              "--max-batch-size", "2")
    expected = {"cat.jpg": {"tabby", "tiger cat", "Egyptian cat"}, "turtle.jpg": {"leatherback turtle", "loggerhead"}}
    photos = {name: (photos_dir() / name).read_bytes() for name in expected}

    def classify(name: str) -> tuple[str, int, object]:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.request("POST", "/v1/classify?top_k=1", body=photos[name], headers={"Content-Type": "image/jpeg"})
            response = connection.getresponse()
            return name, response.status, json.loads(response.read())
        finally:
            connection.close()

    try:
        assert re.search(r"instances=2 .*model=efficientnet_lite0 .*model ready", server.log()), server.log()
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(classify, [name for _ in range(8) for name in expected]))
        for name, status, body in answers:
            assert status == 200, body
            assert body["predictions"][0]["label"] in expected[name], (name, body)  # type: ignore[index]
    finally:
        server.stop()
    assert server.process.returncode == 0


def test_a_decode_memory_below_one_image_is_refused() -> None:
    result = run("--max-decoded-bytes", "1000", env={"HUBLOT_DECODE_MEMORY_BYTES": "999"})
    assert result.returncode == 64, result.stderr
    assert "decode memory bytes must be at least max decoded bytes" in result.stderr


def test_a_missing_repository_stops_the_program_with_a_message(tmp_path: Path) -> None:
    result = run("--port", str(free_port()), "--models", str(tmp_path / "absent"))
    assert result.returncode != 0
    assert "absent" in result.stdout + result.stderr


def test_environment_variables_configure_the_server(tmp_path: Path) -> None:
    port, grpc_port = free_port(), free_port()
    log = (tmp_path / "env.log").open("wb")
    process = subprocess.Popen(
        [str(classifier_binary())], stdout=log, stderr=subprocess.STDOUT, cwd=PACKAGE_ROOT,
        env={**os.environ, "HUBLOT_HOST": "127.0.0.1", "HUBLOT_PORT": str(port), "HUBLOT_MODELS": str(models_dir()),
             "HUBLOT_LOAD_MODELS": "efficientnet_lite0,not_there", "HUBLOT_GRPC_PORT": str(grpc_port)})
    try:
        deadline = time.monotonic() + 60
        status, body = 0, None
        while time.monotonic() < deadline:
            try:
                status, body = get_json(f"http://127.0.0.1:{port}/v1/models", timeout=1)
                if status == 200 and any(m["status"] == "ready" for m in body["models"]):  # type: ignore[index]
                    break
            except OSError:
                pass
            time.sleep(0.1)
        assert status == 200
        models = {m["name"]: m for m in body["models"]}  # type: ignore[index]
        assert models["efficientnet_lite0"]["status"] == "ready"
        assert models["not_there"]["status"] == "failed"
        assert "not_there" in models["not_there"]["reason"]
        # HUBLOT_GRPC_PORT moved the gRPC services.
        with grpcclient.InferenceServerClient(url=f"127.0.0.1:{grpc_port}") as client:
            assert client.is_model_ready("efficientnet_lite0")
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
        log.close()


def test_an_idle_connection_is_closed(tmp_path: Path) -> None:
    """Issue 14 #10: idle connections stayed open indefinitely."""
    server = start_classifier(tmp_path / "classifier.log", "--model", "efficientnet_lite0", "--idle-timeout-s", "1")
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as connection:
            connection.settimeout(20)
            assert connection.recv(1) == b""
    finally:
        server.stop()


def test_a_body_that_stops_arriving_is_answered_408(tmp_path: Path) -> None:
    """Issue 14 #10: the classifier waited 45 s+ for missing body bytes."""
    server = start_classifier(tmp_path / "classifier.log", "--model", "efficientnet_lite0", "--body-timeout-s", "1")
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as connection:
            connection.settimeout(20)
            connection.sendall(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                               b"Content-Length: 100000\r\n\r\n" + b"\xff" * 1000)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"request_timeout" in answer
    finally:
        server.stop()


@pytest.mark.parametrize("size_mib", [15, 64])
def test_a_client_that_sends_its_whole_body_before_reading_gets_its_413(tmp_path: Path, size_mib: int) -> None:
    """Issue 14 #7: after a 413 to a `Connection: close` request the classifier neither read nor closed. The
    64 MiB body is 16 times the limit: the server reads and drops it after its answer (lingering close)."""
    server = start_classifier(tmp_path / "classifier.log", "--model", "efficientnet_lite0",
                              "--max-body-bytes", str(4 * 1024 * 1024))
    try:
        answer = send_whole_body_then_read(
            server.port, b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg", b"\xff" * (size_mib * 1024 * 1024))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    finally:
        server.stop()


def test_a_client_that_waits_mid_body_gets_its_413_without_sending_the_rest(tmp_path: Path) -> None:
    """Issue 14 #7: a `Connection: close` request announcing a body over the limit that sends part of it and then
    waits got its 413 only after the body timeout (408). It is answered from its header, at once."""
    server = start_classifier(tmp_path / "classifier.log", "--model", "efficientnet_lite0",
                              "--max-body-bytes", str(4 * 1024 * 1024), "--body-timeout-s", "300")
    try:
        answer = send_part_then_read(server.port, b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg",
                                     declared=8 * 1024 * 1024, sent=1024 * 1024)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    finally:
        server.stop()


@pytest.mark.parametrize(("head", "status"), [
    (b"POST /v1/models/no_such_model/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg", 404),
    (b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain", 415),
    (b"POST /v2/models/no_such_model/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json", 404),
])
def test_a_client_that_sends_its_whole_body_before_reading_gets_its_early_answer(
    tmp_path: Path, head: bytes, status: int
) -> None:
    """Issue 14 #7/#10: a `Connection: close` request refused before its body was read (unknown model, wrong
    Content-Type) left a client that sends its whole body before reading blocked until the head timeout."""
    server = start_classifier(tmp_path / "classifier.log", "--model", "efficientnet_lite0")
    try:
        answer = send_whole_body_then_read(server.port, head, b"\xff" * (5 * 1024 * 1024))
        assert answer.startswith(b"HTTP/1.1 %d" % status), answer[:200]
    finally:
        server.stop()


def test_a_head_trickling_in_is_cut_off(tmp_path: Path) -> None:
    """Issue 14 #10 (slowloris): a client sending its headers a byte at a time kept its connection forever."""
    server = start_classifier(tmp_path / "classifier.log", "--model", "efficientnet_lite0", "--header-timeout-s", "1")
    try:
        assert trickle_headers_until_closed(server.port)
    finally:
        server.stop()


def test_grpc_port_zero_turns_grpc_off_and_a_taken_port_stops_the_server(tmp_path: Path) -> None:
    """--grpc-port 0 serves HTTP alone; a gRPC port another process holds stops the server at start with a
    message naming the port and the way out, instead of running without its gRPC services."""
    off = start_classifier(tmp_path / "off.log", "--grpc-port", "0")
    try:
        assert "gRPC server listening" not in off.log()
    finally:
        off.stop()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--host", "127.0.0.1", "--port", str(free_port()), "--grpc-port", str(port), "--models", str(models_dir()))
    assert result.returncode != 0
    assert f"cannot serve on 127.0.0.1:{port}" in result.stdout + result.stderr
    assert "--grpc-port N chooses another port, 0 turns gRPC off" in result.stdout + result.stderr

