"""A bounded closed-loop load against a stack's front, for the Compose and Swarm fault-injection tests.

`clients` threads each POST an image to /api/classify, one request after the other,
until told to stop, until each has sent `max_requests`, or until `max_seconds` have
passed, whichever comes first: the load always ends by itself. Every answer is kept
(status, Retry-After, duration, time since the start), and waiters are woken at each
answer, so a test waits for what it needs to see instead of sleeping.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One request's fate: `status` is None when no HTTP answer came (connection error, client timeout)."""

    started: float
    seconds: float
    status: int | None
    retry_after: str | None
    error: str | None


class Load:
    """Closed-loop clients classifying `body` through `url`; use as a context manager."""

    def __init__(self, url: str, body: bytes, clients: int = 4, max_requests: int = 2000,
                 max_seconds: float = 120.0, client_timeout: float = 40.0) -> None:
        self.url = url
        self.body = body
        self.clients = clients
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.client_timeout = client_timeout
        self.outcomes: list[Outcome] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._origin = 0.0

    def __enter__(self) -> Load:
        self._origin = time.monotonic()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def now(self) -> float:
        """Seconds since the load started."""
        return time.monotonic() - self._origin

    def stop(self) -> None:
        """Stops the clients and waits for their last answers."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.client_timeout + 5)
        with self._changed:
            self._changed.notify_all()

    def running(self) -> bool:
        """Whether any client is still sending."""
        return any(thread.is_alive() for thread in self._threads)

    def since(self, moment: float) -> list[Outcome]:
        """The requests that started at or after `moment` (seconds since the start)."""
        with self._changed:
            return [o for o in self.outcomes if o.started >= moment]

    def wait_until(self, predicate: Callable[[list[Outcome]], bool], timeout: float, what: str) -> None:
        """Blocks until `predicate(outcomes)` holds (checked at every answer); fails after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.outcomes):
                left = deadline - time.monotonic()
                if left <= 0 or not self.running():
                    raise AssertionError(f"not seen within {timeout} s: {what}; answers so far: {self.summary()}")
                self._changed.wait(timeout=min(left, 1.0))

    def summary(self, outcomes: list[Outcome] | None = None) -> str:
        """`N requests: {status: count}` for a report."""
        chosen = self.outcomes if outcomes is None else outcomes
        counts = Counter(str(o.status) if o.status is not None else f"error:{o.error}" for o in chosen)
        return f"{len(chosen)} requests: {dict(sorted(counts.items()))}"

    def _client(self) -> None:
        for _ in range(self.max_requests):
            if self._stop.is_set() or self.now() > self.max_seconds:
                return
            outcome = self._one()
            with self._changed:
                self.outcomes.append(outcome)
                self._changed.notify_all()

    def _one(self) -> Outcome:
        started = self.now()
        request = urllib.request.Request(self.url, data=self.body, method="POST",
                                         headers={"Content-Type": "image/jpeg"})
        status: int | None = None
        retry_after: str | None = None
        error: str | None = None
        try:
            with urllib.request.urlopen(request, timeout=self.client_timeout) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as answer:
            answer.read()
            status, retry_after = answer.code, answer.headers.get("Retry-After")
        except OSError as failure:  # refused, reset, timed out: no HTTP answer at all
            error = type(failure).__name__
        return Outcome(started=started, seconds=self.now() - started, status=status,
                       retry_after=retry_after, error=error)
