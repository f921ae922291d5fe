"""The docker command line for the container tests: one call with its failure explained, Docker's timestamps."""

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
