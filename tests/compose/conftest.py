"""Fixtures of the Compose stack tests: the root compose.yaml under its own project name and port."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import Stack  # noqa: E402


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """The root compose.yaml as project `hublot-ctest` on port 18090, built once, started from nothing.

    Removed with its volume at the end, whatever happened.
    """
    stack = Stack()
    stack.require_docker()
    stack.build()
    stack.compose("down", "-v", "--remove-orphans")
    try:
        yield stack
    finally:
        stack.compose("down", "-v", "--remove-orphans", check=False)
