"""What the container tests share: running the checkpoints' `go` scripts, docker, the daemon check.

Every run is logged to `.cache/checkpoints/logs/<name>.log` (the output is long:
builds, init reports) so a failure can be read after the fact.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import docker_cli

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / ".cache" / "checkpoints" / "logs"


@dataclass
class GoRun:
    """The result of one `go` run."""

    returncode: int
    output: str
    seconds: float
    log: Path


def run_go(checkpoint: str, *args: str, env: dict[str, str] | None = None,
           timeout: float = 1800, log_name: str | None = None, root: Path = ROOT) -> GoRun:
    """Runs `<checkpoint>/go ARGS` of the tree `root` (default: this repository), stdout and stderr
    merged, bounded by `timeout` seconds."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{log_name or checkpoint}.log"
    start = time.monotonic()
    with log.open("w", encoding="utf-8") as stream:
        process = subprocess.run(
            [str(root / checkpoint / "go"), *args], cwd=root, env=env or dict(os.environ),
            stdout=stream, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    seconds = time.monotonic() - start
    output = log.read_text(encoding="utf-8", errors="replace")
    print(f"{checkpoint}/go {' '.join(args)}: exit {process.returncode} in {seconds:.0f} s (log {log})")
    return GoRun(process.returncode, output, seconds, log)


def assert_succeeded(run: GoRun) -> None:
    """Fails with the end of the log when the run failed."""
    assert run.returncode == 0, f"go failed ({run.returncode}); end of {run.log}:\n{run.output[-4000:]}"


def first_label(output: str) -> str:
    """The label the go script's check printed (`cat.jpg -> LABEL (OK)`)."""
    found = re.findall(r"==> cat\.jpg -> (.+) \(OK\)", output)
    assert found, "the go script printed no checked classification"
    return found[-1]


def docker(*args: str, check: bool = True, timeout: float = 120) -> str:
    """Runs `docker ARGS` and returns its stdout."""
    return docker_cli.docker(*args, check=check, timeout=timeout).stdout


def require_docker() -> None:
    """The container tests need a Docker daemon with Compose v2: fail clearly without one."""
    if shutil.which("docker") is None:
        raise AssertionError("docker is not installed: run ./preload (or scripts/docker-engine --start)")
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60, check=False)
    if info.returncode != 0:
        raise AssertionError(f"the Docker daemon does not answer: {info.stderr.strip()[:300]}")
    compose = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=60, check=False)
    if compose.returncode != 0:
        raise AssertionError("Docker Compose v2 is missing (docker compose version failed)")
