"""A 127.0.0.1 HTTP server answering like tfhub.dev (`GET <handle>?tf-hub-format=compressed`), counting requests."""

from __future__ import annotations

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHub:
    """Serves `routes[path]` bytes for `?tf-hub-format=compressed` requests; 404 otherwise."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.delay_s = 0.0
        self.release = threading.Event()
        self._lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                with hub._lock:
                    hub.requests.append(self.path)
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                body = hub.routes.get(url.path)
                if body is None and url.path in hub.files:
                    body = hub.files[url.path]
                elif body is None or query.get("tf-hub-format") != ["compressed"]:
                    self.send_error(404, "not found")
                    return
                if hub.delay_s and url.path in hub.routes:
                    hub.release.wait(hub.delay_s)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-tar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client was killed mid-download

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self, path: str) -> int:
        """How many requests asked for `path`."""
        with self._lock:
            return sum(1 for r in self.requests if urllib.parse.urlsplit(r).path == path)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self.running:
            self.release.set()
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.running = False
