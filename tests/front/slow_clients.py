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


def send_whole_body_then_read(port: int, head: bytes, body: bytes, limit: float = 20.0) -> bytes:
    """Sends `head` (without its blank line) with `Connection: close` and its `Content-Length`, then all of
    `body`, and only then reads the answer until the server closes. A server that stopped reading the body
    leaves the send blocked: `TimeoutError` after `limit` seconds (the servers' head timeout is longer)."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(limit)
        connection.sendall(head + b"\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def send_part_then_read(port: int, head: bytes, declared: int, sent: int, limit: float = 20.0) -> bytes:
    """Sends `head` (without its blank line) with `Connection: close` and `Content-Length: declared`, then only
    `sent` bytes of the body, and waits for the answer until the server closes. A server that waits for the
    rest of the body before answering leaves the client waiting: `TimeoutError` after `limit` seconds."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(limit)
        connection.sendall(head + b"\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % declared + b"\xff" * sent)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer
