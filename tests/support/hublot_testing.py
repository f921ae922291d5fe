"""What the Python end-to-end tests share: fixture paths, free ports, and Hublot servers run as processes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def binary(name: str, env_var: str) -> Path:
    """The built executable `name` ($`env_var`, default `.build/debug/<name>`), or a clear failure."""
    path = Path(os.environ.get(env_var) or PACKAGE_ROOT / ".build" / "debug" / name)
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: run `swift build --product {name}` (or set {env_var})")
    return path


def models_dir() -> Path:
    """HUBLOT_TEST_MODELS, default `.cache/models`; it must hold efficientnet_lite0."""
    path = Path(os.environ.get("HUBLOT_TEST_MODELS") or PACKAGE_ROOT / ".cache" / "models")
    if not (path / "efficientnet_lite0" / "model.json").is_file():
        raise RuntimeError(f"{path}/efficientnet_lite0 is missing: run `make models` (or set HUBLOT_TEST_MODELS)")
    return path


def reference_dir() -> Path:
    """HUBLOT_TEST_REFERENCE, default `.cache/reference`."""
    path = Path(os.environ.get("HUBLOT_TEST_REFERENCE") or PACKAGE_ROOT / ".cache" / "reference")
    if not (path / "reference.json").is_file():
        raise RuntimeError(f"{path}/reference.json is missing: run `make reference` (or set HUBLOT_TEST_REFERENCE)")
    return path


def photos_dir() -> Path:
    """HUBLOT_TEST_PHOTOS, default `samples/`."""
    path = Path(os.environ.get("HUBLOT_TEST_PHOTOS") or PACKAGE_ROOT / "samples")
    if not (path / "cat.jpg").is_file():
        raise RuntimeError(f"{path}/cat.jpg is missing: set HUBLOT_TEST_PHOTOS")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str, timeout: float = 5.0) -> tuple[int, object]:
    """GET `url`; the status and the decoded JSON body (errors included)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@dataclass
class ServerProcess:
    """A running server process, its base URL and its log file."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    log_path: Path
    log_file: IO[bytes] = field(repr=False)
    grpc_port: int | None = None

    def log(self) -> str:
        """Everything the server wrote so far."""
        self.log_file.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def terminate(self) -> None:
        """Send SIGTERM (graceful shutdown)."""
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        """Wait for the exit code, at most `timeout` seconds."""
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s; always closes the log."""
        try:
            if self.process.poll() is None:
                self.terminate()
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
        finally:
            self.log_file.close()


def start_server(command: list[str], port: int, log_path: Path, ready_path: str,
                 ready_within: float = 60.0) -> ServerProcess:
    """Run `command` (a server listening on 127.0.0.1:`port`), logging to `log_path`;
    return once GET `ready_path` answers 200. Fails with the log if it exits or times out first."""
    log_file = log_path.open("wb")
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, cwd=PACKAGE_ROOT)
    server = ServerProcess(process=process, url=f"http://127.0.0.1:{port}", port=port,
                           log_path=log_path, log_file=log_file)
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = server.log()
            server.stop()
            raise RuntimeError(f"{command[0]} exited with {process.returncode} before it was ready:\n{log}")
        try:
            with urllib.request.urlopen(server.url + ready_path, timeout=1.0) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    log = server.log()
    server.stop()
    raise RuntimeError(f"{command[0]} was not ready within {ready_within} s:\n{log}")


def classifier_command(port: int, *extra: str, models: Path | None = None,
                       grpc_port: int | None = None) -> list[str]:
    """`hublot-classifier --host 127.0.0.1 --port P --grpc-port G --models DIR *extra`: the gRPC services
    on `grpc_port`, else on a free port (the default, 8001, would clash between servers run at once),
    unless `extra` gives --grpc-port itself."""
    grpc = [] if "--grpc-port" in extra else ["--grpc-port", str(grpc_port or free_port())]
    return [str(binary("hublot-classifier", "HUBLOT_CLASSIFIER_BIN")), "--host", "127.0.0.1", "--port", str(port),
            *grpc, "--models", str(models or models_dir()), *extra]


def start_classifier(log_path: Path, *extra: str, models: Path | None = None,
                     ready_within: float = 60.0) -> ServerProcess:
    """`classifier_command(...)` on free ports, once the default model is ready; `grpc_port` tells where gRPC is."""
    port, grpc_port = free_port(), free_port()
    command = classifier_command(port, *extra, models=models, grpc_port=grpc_port)
    server = start_server(command, port, log_path, "/v2/health/ready", ready_within)
    server.grpc_port = None if "--grpc-port" in extra else grpc_port
    return server


def start_front(classifier_url: str, log_path: Path, wait_ready: bool = True) -> ServerProcess:
    """hublot-front on a free port, pointing at `classifier_url`; waits for /readyz (or only /healthz)."""
    port = free_port()
    command = [str(binary("hublot-front", "HUBLOT_FRONT_BIN")), "--host", "127.0.0.1", "--port", str(port),
               "--classifier-url", classifier_url]
    return start_server(command, port, log_path, "/readyz" if wait_ready else "/healthz")


def dockerfile_stage(dockerfile: str, name: str | None) -> str:
    """The text of stage `name` of `dockerfile` (relative to the repository; `FROM ... AS name` up to the
    next FROM), or of its last stage when `name` is None."""
    stages = re.split(r"^(?=FROM )", (PACKAGE_ROOT / dockerfile).read_text(), flags=re.M)[1:]
    if name is None:
        return stages[-1]
    matching = [s for s in stages if re.match(rf"FROM \S+ AS {re.escape(name)}\s*$", s.splitlines()[0])]
    assert len(matching) == 1, f"{dockerfile}: no single stage {name}"
    return matching[0]
