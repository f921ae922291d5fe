"""Fixtures of the Swarm tests: deploy/swarm/stack.yaml as stack `hublot-stest` on port 18190, on a
single-node swarm created for them (and left after them) when this node is in none."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "compose"))

from stack import Stack  # noqa: E402
from swarm import Swarm  # noqa: E402


@pytest.fixture(scope="module")
def swarm() -> Iterator[Swarm]:
    """The images built from this checkout (cache hits after the Compose tests), a swarm, and the stack
    deployed from nothing (its models volume removed first). Removed at the end, whatever happened; the
    swarm is left if the fixture created it."""
    images = Stack()
    images.require_docker()
    images.build()
    swarm = Swarm()
    swarm.join()
    try:
        swarm.remove()
        swarm.remove_volume()
        took = swarm.deploy()
        print(f"docker stack deploy from an empty models volume: every service converged in {took:.1f} s")
        yield swarm
    finally:
        swarm.remove()
        swarm.remove_volume()
        swarm.leave()
