"""Published ports: this machine only (127.0.0.1) unless HUBLOT_PUBLISH_ADDRESS says otherwise.

Every Compose file the repository tracks publishes its ports on
`${HUBLOT_PUBLISH_ADDRESS:-127.0.0.1}`: on a classroom network nothing listens on
every interface unless the teacher asks for it (HUBLOT_PUBLISH_ADDRESS=0.0.0.0).
The go scripts' `docker run -p` are checked by tests/shell/checkpoint-address.bats.
The one exception is the Swarm stack (deploy/swarm/stack.yaml, for `docker stack deploy`): Swarm has no
address to bind a published port to, so it publishes the front alone, on every interface (docs/course.md).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "${HUBLOT_PUBLISH_ADDRESS:-127.0.0.1}"
SWARM_STACK = ROOT / "deploy" / "swarm" / "stack.yaml"


def compose_files() -> list[Path]:
    """Tracked YAML files that declare Compose services."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "*.yaml", "*.yml"],
                            check=True, capture_output=True).stdout.decode().split("\0")
    files = []
    for name in filter(None, listed):
        document = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
        if isinstance(document, dict) and isinstance(document.get("services"), dict) and ROOT / name != SWARM_STACK:
            files.append(ROOT / name)
    return files


def published_ports(path: Path) -> list[tuple[str, object]]:
    """(service, port entry) for every `ports:` entry of the file."""
    services = yaml.safe_load(path.read_text(encoding="utf-8"))["services"]
    return [(name, entry) for name, service in services.items() for entry in (service or {}).get("ports", [])]


def test_the_swarm_stack_publishes_the_front_alone() -> None:
    published = published_ports(SWARM_STACK)
    assert [service for service, _ in published] == ["front"], published
    entry = published[0][1]
    assert entry == {"target": 8080, "published": "${HUBLOT_FRONT_PORT:-8080}", "mode": "${HUBLOT_PUBLISH_MODE:-ingress}"}
    assert "HUBLOT_PUBLISH_ADDRESS" not in SWARM_STACK.read_text(encoding="utf-8"), "Swarm cannot bind an address"


def test_the_compose_files_are_found() -> None:
    names = {str(path.relative_to(ROOT)) for path in compose_files()}
    assert {"compose.yaml", "cp6/compose.yaml"} <= names, names


@pytest.mark.parametrize("path", compose_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_published_port_has_the_host_address(path: Path) -> None:
    for service, entry in published_ports(path):
        assert isinstance(entry, str), f"{path.name}: {service}: use the short form '{ADDRESS}:HOST:CONTAINER'"
        assert entry.startswith(f"{ADDRESS}:"), f"{path.name}: {service} publishes {entry!r} without {ADDRESS}"
        assert re.fullmatch(re.escape(ADDRESS) + r":(\$\{[A-Z0-9_]+:-\d+\}|\d+):\d+", entry), entry


@pytest.mark.parametrize("path", compose_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_the_address_variable_has_one_default(path: Path) -> None:
    """One default per file: every use of the variable names 127.0.0.1, none another address."""
    text = path.read_text(encoding="utf-8")
    uses = re.findall(r"\$\{HUBLOT_PUBLISH_ADDRESS(:-[^}]*)?\}", text)
    assert set(uses) <= {":-127.0.0.1"}, f"{path.name}: HUBLOT_PUBLISH_ADDRESS with another default: {uses}"
    assert "0.0.0.0" not in yaml.safe_dump(yaml.safe_load(text)["services"]), f"{path.name} names 0.0.0.0"
