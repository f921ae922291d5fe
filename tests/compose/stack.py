"""Drives the root compose.yaml for the tests: compose commands, the containers, the volume's content (HTTP to
the front: front_client.FrontClient)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from docker_cli import timestamp
from front_client import CAT_LABELS, PHOTOS, FrontClient, top_label

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "hublot-ctest"
PORT = 18090


@dataclass
class Stack(FrontClient):
    """The root compose.yaml as its own project, plus optional override files."""

    project: str = PROJECT
    port: int = PORT
    overrides: list[Path] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ, HUBLOT_FRONT_PORT=str(self.port))
        # Offline machines: the local toolchain and package mirror are build inputs (as in make / cp7/go).
        if "HUBLOT_SWIFT_TOOLCHAIN" not in env and Path("/opt/swift/usr/bin/swift").exists():
            env["HUBLOT_SWIFT_TOOLCHAIN"] = "/opt/swift"
        if "HUBLOT_SWIFT_PACKAGES" not in env and Path("/opt/swift-packages").is_dir():
            env["HUBLOT_SWIFT_PACKAGES"] = "/opt/swift-packages"
        # The images' org.opencontainers.image.revision label (as cp7/go and scripts/build-images set it).
        if "HUBLOT_REVISION" not in env:
            head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "-q", "HEAD"],
                                  capture_output=True, text=True, check=False).stdout.strip()
            if head:
                env["HUBLOT_REVISION"] = head
        env.update(extra)
        return env

    def compose(self, *args: str, check: bool = True, timeout: float = 600,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        files: list[str] = ["-f", str(ROOT / "compose.yaml")]
        for override in self.overrides:
            files += ["-f", str(override)]
        command = ["docker", "compose", *files, "-p", self.project, *args]
        process = subprocess.run(command, cwd=ROOT, env=env or self.env(), capture_output=True, text=True,
                                 timeout=timeout, check=False)
        if check and process.returncode != 0:
            raise AssertionError(f"{' '.join(command[2:])} failed ({process.returncode}):\n"
                                 f"{process.stdout[-3000:]}\n{process.stderr[-3000:]}")
        return process

    @staticmethod
    def require_docker() -> None:
        if shutil.which("docker") is None:
            raise AssertionError("docker is not installed: run ./preload (or scripts/docker-engine --start)")
        for command in (["docker", "info"], ["docker", "compose", "version"]):
            process = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
            if process.returncode != 0:
                raise AssertionError(f"{' '.join(command)} failed: {process.stderr.strip()[:300]}")

    def build(self) -> None:
        """Builds the three images (cache hits when the checkpoints or preload built them already)."""
        start = time.monotonic()
        self.compose("build", timeout=2700)
        print(f"docker compose build: {time.monotonic() - start:.0f} s")

    def up(self, *extra: str, env: dict[str, str] | None = None) -> float:
        """`up -d --wait`; returns its duration in seconds."""
        start = time.monotonic()
        self.compose("up", "-d", "--wait", *extra, timeout=900, env=env)
        return time.monotonic() - start

    def container(self, service: str) -> str:
        """The id of the service's container (running or not)."""
        ids = self.compose("ps", "-a", "-q", service).stdout.split()
        assert len(ids) == 1, f"expected one {service} container, found {ids}"
        return ids[0]

    def logs(self, service: str) -> str:
        """What the service's container printed in its latest run (stdout, then stderr).

        A restarted container keeps the output of its earlier runs: only what came
        after its latest start counts.
        """
        started = self.inspect(service, "{{.State.StartedAt}}")
        process = subprocess.run(["docker", "logs", "--since", started, self.container(service)],
                                 capture_output=True, text=True, timeout=60, check=True)
        return process.stdout + process.stderr

    def inspect(self, service: str, template: str) -> str:
        process = subprocess.run(["docker", "inspect", "-f", template, self.container(service)],
                                 capture_output=True, text=True, timeout=60, check=True)
        return process.stdout.strip()

    def ready_seconds(self, service: str) -> float:
        """From the service's start to its first passing health check, from Docker's own timestamps
        (to within the check's interval: 1 s while starting)."""
        started = timestamp(self.inspect(service, "{{.State.StartedAt}}"))
        checks = json.loads(self.inspect(service, "{{json .State.Health.Log}}"))
        passed = [timestamp(check["Start"]) for check in checks if check["ExitCode"] == 0]
        assert passed, f"{service} never passed its health check: {checks}"
        return (min(passed) - started).total_seconds()

    def volume(self) -> str:
        return f"{self.project}_models"

    def read_volume(self, path: str) -> str:
        """A file of the models volume, read through a throwaway container."""
        process = subprocess.run(
            ["docker", "run", "--rm", "-v", f"{self.volume()}:/models:ro", "--entrypoint", "cat",
             "hublot-init:latest", f"/models/{path}"], capture_output=True, text=True, timeout=120, check=True)
        return process.stdout


__all__ = ["CAT_LABELS", "PHOTOS", "ROOT", "Stack", "top_label"]
