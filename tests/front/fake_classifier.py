"""A stand-in for hublot-classifier (models, readiness, classify) so the front's gateway can be tested
without ONNX Runtime: it records what reached it and can answer classify with a chosen error."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODELS = {"default": "fake", "models": [
    {"name": "fake", "family": "test", "input": {"height": 224, "width": 224}, "classes": 1000, "status": "ready"},
]}
CLASSIFICATION = {"model": "fake", "predictions": [{"index": 1, "label": "tabby", "probability": 1.0}],
                  "timings": {"decode_ms": 1, "preprocess_ms": 1, "queue_ms": 1, "inference_ms": 1, "total_ms": 4}}


@dataclass
class FakeClassifier:
    """The running fake: its URL and what it received."""

    url: str
    classify_bodies: list[int] = field(default_factory=list)
    classify_paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def classify_calls(self) -> int:
        with self.lock:
            return len(self.classify_bodies)


@contextmanager
def fake_classifier() -> Iterator[FakeClassifier]:
    """Runs the fake on 127.0.0.1 (a free port) for the duration of the `with` block."""
    state: dict[str, FakeClassifier] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
            pass

        def answer(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (the base class's name)
            if self.path == "/v1/models":
                self.answer(200, MODELS)
            elif self.path == "/v2/health/ready":
                self.answer(200, {})
            else:
                self.answer(404, {"error": {"code": "not_found", "message": "no such route"}})

        def do_POST(self) -> None:  # noqa: N802 (the base class's name)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            fake = state["fake"]
            with fake.lock:
                fake.classify_bodies.append(len(body))
                fake.classify_paths.append(self.path)
            self.answer(200, CLASSIFICATION)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake = FakeClassifier(url=f"http://127.0.0.1:{server.server_address[1]}")
    state["fake"] = fake
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
