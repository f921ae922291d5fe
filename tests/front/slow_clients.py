"""Slow HTTP clients for the servers' timeout tests (the front's and the classifier's)."""

from __future__ import annotations

import socket
import time


def trickle_headers_until_closed(port: int, limit: float = 20.0) -> bool:
    """Sends a request head one byte every 0.2 s (each byte resets an idle timeout); whether the server
    closed the connection before `limit` seconds."""
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 1000
    deadline = time.monotonic() + limit
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(0.2)
        for byte in head:
            if time.monotonic() > deadline:
                return False
            try:
                connection.sendall(bytes([byte]))
                if connection.recv(1) == b"":
                    return True
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                return True
    return False
