"""Start the built hublot-classifier on a free 127.0.0.1 port, wait until it is ready, stop it."""

from __future__ import annotations

import json
import os
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


def classifier_binary() -> Path:
    """HUBLOT_CLASSIFIER_BIN, default `.build/debug/hublot-classifier`; fails clearly when missing."""
    path = Path(os.environ.get("HUBLOT_CLASSIFIER_BIN") or PACKAGE_ROOT / ".build" / "debug" / "hublot-classifier")
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: run `swift build --product hublot-classifier` (or set HUBLOT_CLASSIFIER_BIN)")
    return path


def models_dir() -> Path:
    """HUBLOT_TEST_MODELS, default `.cache/models`; it must hold efficientnet_lite0."""
    path = Path(os.environ.get("HUBLOT_TEST_MODELS") or PACKAGE_ROOT / ".cache" / "models")
    if not (path / "efficientnet_lite0" / "model.json").is_file():
        raise RuntimeError(f"{path}/efficientnet_lite0 is missing: run `make test` (prepares .cache/models) or set HUBLOT_TEST_MODELS")
    return path


def reference_dir() -> Path:
    """HUBLOT_TEST_REFERENCE, default `.cache/reference`."""
    path = Path(os.environ.get("HUBLOT_TEST_REFERENCE") or PACKAGE_ROOT / ".cache" / "reference")
    if not (path / "reference.json").is_file():
        raise RuntimeError(f"{path}/reference.json is missing: run `make test` (writes .cache/reference) or set HUBLOT_TEST_REFERENCE")
    return path


def photos_dir() -> Path:
    """HUBLOT_TEST_PHOTOS, default `../shared/testdata/photos`."""
    path = Path(os.environ.get("HUBLOT_TEST_PHOTOS") or PACKAGE_ROOT.parent / "shared" / "testdata" / "photos")
    if not (path / "cat.jpg").is_file():
        raise RuntimeError(f"{path}/cat.jpg is missing: set HUBLOT_TEST_PHOTOS")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ClassifierServer:
    """A running hublot-classifier process, its base URL and its log file."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    log_path: Path
    log_file: IO[bytes] = field(repr=False)

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


def get_json(url: str, timeout: float = 5.0) -> tuple[int, object]:
    """GET `url`; the status and the decoded JSON body (errors included)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def start_classifier(log_path: Path, *extra: str, ready_within: float = 60.0) -> ClassifierServer:
    """Start `hublot-classifier --host 127.0.0.1 --port P --models DIR *extra`; wait until the default model is ready."""
    port = free_port()
    log_file = log_path.open("wb")
    command = [str(classifier_binary()), "--host", "127.0.0.1", "--port", str(port), "--models", str(models_dir()), *extra]
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, cwd=PACKAGE_ROOT)
    server = ClassifierServer(process=process, url=f"http://127.0.0.1:{port}", port=port, log_path=log_path, log_file=log_file)
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = server.log()
            server.stop()
            raise RuntimeError(f"hublot-classifier exited with {process.returncode} before it was ready:\n{log}")
        try:
            status, _ = get_json(f"{server.url}/v2/health/ready", timeout=1.0)
            if status == 200:
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            pass
        time.sleep(0.1)
    log = server.log()
    server.stop()
    raise RuntimeError(f"hublot-classifier was not ready within {ready_within} s:\n{log}")
