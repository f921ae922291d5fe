"""Fixtures of the checkpoint tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hublot_containers import require_docker  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def docker_daemon() -> None:
    """Fails every test at once, clearly, when Docker is not usable."""
    require_docker()
