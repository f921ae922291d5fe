"""A stand-in for hublot-classifier (models, readiness, classify, explain) so the front's gateway and site can
be tested without ONNX Runtime: it records what reached it, and its explanations can be shed (503 overloaded)."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MODELS = {"default": "fake", "models": [
    {"name": "fake", "family": "test", "input": {"height": 224, "width": 224}, "classes": 1000, "status": "ready"},
]}
TOP_FIVE = ["tabby", "tiger cat", "Egyptian cat", "lynx", "carton"]
TIMINGS = {"decode_ms": 1, "preprocess_ms": 1, "queue_ms": 1, "inference_ms": 1, "total_ms": 4}
PREDICTIONS = [{"index": index + 1, "label": label, "probability": round(0.5 / (index + 1), 3)}
               for index, label in enumerate(TOP_FIVE)]
CLASSIFICATION = {"model": "fake", "predictions": PREDICTIONS, "timings": TIMINGS}


def strongest_cell(position: int, grid: int) -> tuple[int, int]:
    """Where the fake puts the largest drop of the `position`-th map: the first at the top centre (a cat's
    head in samples/cat.jpg), the second at the bottom right, the others in the centre."""
    return [(1, grid // 2), (grid - 1, grid - 1)][position] if position < 2 else (grid // 2, grid // 2)


def explanation(grid: int, classes: list[int]) -> dict[str, object]:
    """The fake's answer to explain: one map per class (class 1 when none is asked) whose drops fall off from
    0.4 at `strongest_cell`, and -0.2 in the top-right cell (unless the largest drop is there)."""
    maps = []
    for position, index in enumerate(classes or [1]):
        row, column = strongest_cell(position, grid)
        drops = [[round(0.4 * math.exp(-((r - row) ** 2 + (c - column) ** 2) / (grid / 3) ** 2), 4)
                  for c in range(grid)] for r in range(grid)]
        drops[0][grid - 1] = -0.2
        drops[row][column] = 0.4
        label = TOP_FIVE[index - 1] if 1 <= index <= len(TOP_FIVE) else f"class {index}"
        maps.append({"index": index, "label": label, "probability": round(0.5 / index, 3), "drops": drops})
    return {"model": "fake", "version": "1", "predictions": PREDICTIONS, "grid": grid, "maps": maps,
            "images": grid * grid + 1, "timings": TIMINGS}


@dataclass
class FakeClassifier:
    """The running fake: its URL and what it received."""

    url: str
    classify_bodies: list[int] = field(default_factory=list)
    classify_paths: list[str] = field(default_factory=list)
    explain_paths: list[str] = field(default_factory=list)
    explain_overloaded: bool = False
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

        def answer(self, status: int, payload: object, retry_after: str | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if retry_after:
                self.send_header("Retry-After", retry_after)
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
            path, _, query = self.path.partition("?")
            if path.endswith("/explain"):
                with fake.lock:
                    fake.explain_paths.append(self.path)
                    overloaded = fake.explain_overloaded
                if overloaded:
                    self.answer(503, {"error": {"code": "overloaded", "message": "The explanation share is full."}}, "7")
                    return
                parameters = parse_qs(query)
                grid = int(parameters.get("grid", ["7"])[-1])
                classes = [int(value) for values in parameters.get("class", []) for value in values.split(",")]
                self.answer(200, explanation(grid, classes))
                return
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
