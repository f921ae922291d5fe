"""What the report records about the machine, the software and the images."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path


def _output(command: list[str], timeout: float = 60) -> str:
    """stdout (or stderr) of a command, stripped; '' when it cannot run."""
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (completed.stdout or completed.stderr).strip()


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]


def versions(root: Path, python: Path) -> dict[str, str]:
    """Versions of everything in the measurement path."""
    packages = _output([
        str(python), "-c",
        "import importlib.metadata as m\n"
        "for n in ['tensorflow-cpu','onnxruntime','numpy','pillow','flask','gunicorn','fastapi','starlette','uvicorn','uvloop','httptools']:\n"
        "    try: print(n, m.version(n))\n"
        "    except m.PackageNotFoundError: print(n, 'not installed')",
    ])
    found = {name: version for name, version in (line.split(" ", 1) for line in packages.splitlines() if " " in line)}
    swift = _output(["swift", "--version"]).splitlines()
    wrk = _output(["wrk", "-v"]).splitlines()
    ort_lib = next(Path("/usr/local/lib").glob("libonnxruntime.so.1.*"), None)
    return {
        "swift": swift[0] if swift else "unknown",
        "onnxruntime_c_library": ort_lib.name if ort_lib else "unknown",
        "python": _output([str(python), "--version"]),
        **{f"python:{name}": version for name, version in found.items()},
        "wrk": wrk[0] if wrk else "unknown",
        "kernel": platform.release(),
        "os": _output(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "docker": _output(["docker", "version", "--format", "{{.Server.Version}}"]) or "unavailable",
        "git_commit": _output(["git", "-C", str(root), "rev-parse", "--short", "HEAD"]),
    }


BASELINE_IMAGES = {"hublot-bench-seed": "bench/baselines/seed", "hublot-bench-fastapi": "bench/baselines/fastapi"}
HUBLOT_IMAGES = ["hublot-classifier", "hublot-front", "hublot-init"]


def build_baseline_images(root: Path, pip_ca: Path, log: Path) -> dict[str, str]:
    """Builds the baseline images (docker buildx build --load); returns image -> error for failures."""
    failures: dict[str, str] = {}
    if shutil.which("docker") is None:
        return {name: "docker not installed" for name in BASELINE_IMAGES}
    for image, context in BASELINE_IMAGES.items():
        command = ["docker", "buildx", "build", "--load", "-t", image, str(root / context)]
        if pip_ca.is_file():
            command[3:3] = ["--secret", f"id=pip-ca,src={pip_ca}"]
        with log.open("a") as output:
            output.write(f"$ {' '.join(command)}\n")
            output.flush()
            completed = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, timeout=1800, check=False)
        if completed.returncode != 0:
            failures[image] = f"build failed ({completed.returncode}), see {log}"
    return failures


def image_sizes(failures: dict[str, str]) -> dict[str, dict[str, object]]:
    """Size (bytes, from docker image inspect) of Hublot's images and the baselines'."""
    sizes: dict[str, dict[str, object]] = {}
    for image in HUBLOT_IMAGES + list(BASELINE_IMAGES):
        if image in failures:
            sizes[image] = {"error": failures[image]}
            continue
        text = _output(["docker", "image", "inspect", "-f", "{{.Size}}", image])
        sizes[image] = {"bytes": int(text)} if re.fullmatch(r"\d+", text) else {"error": text or "not found"}
    return sizes
