"""The docker command line for the container tests: one call with its failure explained, Docker's timestamps,
what a confined container looks like."""

from __future__ import annotations

import subprocess
from datetime import datetime


def docker(*args: str, timeout: float = 300, check: bool = True,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`docker ARGS`, its output captured; fails with the command and its output unless `check` is False."""
    process = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False,
                             env=env)
    if check and process.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({process.returncode}):\n"
                             f"{process.stdout[-2000:]}\n{process.stderr[-2000:]}")
    return process


def timestamp(text: str) -> datetime:
    """Docker's RFC 3339 time with nanoseconds, to a datetime (microseconds)."""
    text = text.strip().replace("Z", "+00:00")
    head, _, rest = text.partition(".")
    if rest:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(text)


def assert_confined(name: str, container: dict, no_new_privileges: bool = True) -> str:
    """Fails unless the container (`docker inspect`'s object) runs as a non-root user, on a read-only root,
    with every capability dropped and pids and memory limits (and no-new-privileges, which Swarm cannot set);
    returns a line saying so."""
    host, user = container["HostConfig"], container["Config"]["User"]
    assert user and user.split(":")[0] not in ("root", "0"), f"{name} runs as {user!r}"
    assert host["ReadonlyRootfs"] is True, f"{name}: root filesystem is writable"
    if no_new_privileges:
        assert "no-new-privileges:true" in (host["SecurityOpt"] or []), f"{name}: {host['SecurityOpt']}"
    assert [c.upper() for c in host["CapDrop"] or []] in (["ALL"], ["CAP_ALL"]), f"{name}: {host['CapDrop']}"
    assert (host["PidsLimit"] or 0) > 0, f"{name}: no pids limit"
    assert host["Memory"] > 0, f"{name}: no memory limit"
    return (f"{name}: user {user}, read-only root, {'no-new-privileges, ' if no_new_privileges else ''}caps dropped, "
            f"pids ≤ {host['PidsLimit']}, memory ≤ {host['Memory'] // 2**20} MiB")
