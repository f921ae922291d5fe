"""One line per step with its duration."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Steps:
    """Prints `[model] step ... 1.23 s` lines on a stream (stdout by default)."""

    def __init__(self, model: str, stream: TextIO | None = None) -> None:
        self.model = model
        self.stream = stream or sys.stdout
        self.started = time.monotonic()

    def say(self, message: str) -> None:
        """Print one line for this model."""
        print(f"[{self.model}] {message}", file=self.stream, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time a step and print its line when it ends."""
        start = time.monotonic()
        yield
        self.say(f"{name:<10} {time.monotonic() - start:7.2f} s")

    def total(self) -> float:
        """Seconds since this model started."""
        return time.monotonic() - self.started
