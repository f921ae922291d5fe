"""The HTTP servers under test: how to start them, when they are ready, how to stop them."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

READY_TIMEOUT_S = 180.0


@dataclasses.dataclass(frozen=True)
class ServerSpec:
    """One server process: its command line, environment, port and probe."""

    name: str
    command: list[str]
    port: int
    ready_path: str
    classify_path: str
    env: dict[str, str] = dataclasses.field(default_factory=dict)

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"


class RunningServer:
    """A started server (own process group) and its cold start time."""

    def __init__(self, spec: ServerSpec, log_dir: Path) -> None:
        self.spec = spec
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{spec.name}.log"
        log = self.log_path.open("ab")
        # hublot-classifier's gRPC services are off unless a spec turns them on: several classifiers run at
        # once here, and each would take gRPC's default port 8001 (an environment variable, which older
        # builds compared by bench/ab ignore, where a flag would stop them).
        environment = {**os.environ, "HUBLOT_GRPC_PORT": "0", **spec.env}
        started = time.perf_counter()
        self.process = subprocess.Popen(
            spec.command, stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True
        )
        log.close()
        self.cold_start_s = self._wait_ready(started)

    @property
    def pid(self) -> int:
        """Process id of the server's main process."""
        return self.process.pid

    def _wait_ready(self, started: float) -> float:
        """Polls the ready probe until it answers 200; returns seconds since the process was started."""
        deadline = started + READY_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.spec.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.spec.url(self.spec.ready_path), timeout=5) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.005)
        self.stop()
        raise RuntimeError(f"{self.spec.name} was not ready after {READY_TIMEOUT_S:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after 20 s."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
