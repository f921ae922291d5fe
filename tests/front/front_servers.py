"""Start the real hublot-classifier and hublot-front binaries on free 127.0.0.1 ports for browser tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def binary(name: str, env_var: str) -> Path:
    """The built executable `name` (env `env_var`, default `.build/debug/name`), or a clear failure."""
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


def twin_repository(folder: Path) -> Path:
    """A model repository in `folder` holding efficientnet_lite0 twice (as itself and `efficientnet_lite0_twin`):
    files symlinked, `name` rewritten, so the compare page has two models to show."""
    source = models_dir() / "efficientnet_lite0"
    for name in ("efficientnet_lite0", "efficientnet_lite0_twin"):
        target = folder / name
        target.mkdir(parents=True)
        for item in source.iterdir():
            if item.name != "model.json":
                (target / item.name).symlink_to(item.resolve())
        metadata = json.loads((source / "model.json").read_text(encoding="utf-8"))
        metadata["name"] = name
        (target / "model.json").write_text(json.dumps(metadata), encoding="utf-8")
    return folder


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
class Server:
    """A running server process and its base URL."""

    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def wait_until(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    """Polls `url` until it answers 200, the process dies, or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {seconds} s")


def start_classifier(log: Path, models: Path | None = None) -> Server:
    """hublot-classifier on a free port serving `models` (default: the test model repository), ready."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(binary("hublot-classifier", "HUBLOT_CLASSIFIER_BIN")), "--port", str(port), "--models", str(models or models_dir())],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        wait_until(server.url + "/v2/health/ready", process, 180)
    except RuntimeError:
        server.stop()
        raise
    return server


def start_front(classifier_url: str, log: Path, wait_ready: bool = True) -> Server:
    """hublot-front on a free port, pointing at `classifier_url`; waits for /readyz (or only /healthz)."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(binary("hublot-front", "HUBLOT_FRONT_BIN")),
                "--host", "127.0.0.1", "--port", str(port), "--classifier-url", classifier_url,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        wait_until(server.url + ("/readyz" if wait_ready else "/healthz"), process, 60)
    except RuntimeError:
        server.stop()
        raise
    return server
