"""A tiny HTTP server on 127.0.0.1 for the wrk script's tests: every POST's body goes to `answer`, whose
(status, body) is sent back as JSON."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable


class LocalServer:
    """Serves POST /v1/classify on an ephemeral port of 127.0.0.1 until `close()`; `answer` runs under a lock."""

    def __init__(self, answer: Callable[[bytes], tuple[int, bytes]]) -> None:
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    status, data = answer(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/classify"

    def close(self) -> None:
        """Stops serving and closes the socket."""
        self.server.shutdown()
        self.server.server_close()
