"""Each checkpoint's `go` runs end to end and shows what its ReadMe.txt promises.

The host builds (swift build, hublot-init on the host) and the images are shared:
later checkpoints find them built (SwiftPM's build folder, Docker's build cache).
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from front_client import CAT_LABELS  # noqa: E402
from hublot_containers import ROOT, assert_succeeded, docker, first_label, run_go  # noqa: E402

# The checkpoints this tree has: an export of cpN (scripts/export-checkpoint) has cp1 ... cpN only.
CHECKPOINTS = sorted((p.name for p in ROOT.glob("cp[0-9]*") if re.fullmatch(r"cp\d+", p.name) and p.is_dir()),
                     key=lambda name: int(name[2:]))
# The variable naming each checkpoint's port (cp1 publishes none).
PORT_VARIABLES = {"cp2": "HUBLOT_CP2_PORT", "cp3": "HUBLOT_CP3_PORT", "cp4": "HUBLOT_CP4_PORT",
                  "cp5": "HUBLOT_CP5_PORT", "cp6": "HUBLOT_FRONT_PORT", "cp7": "HUBLOT_FRONT_PORT",
                  "cp8": "HUBLOT_FRONT_PORT"}
# Floors of the issue, in bytes (docker image inspect .Size).
SIZE_FLOORS = {"hublot-classifier": 250e6, "hublot-front": 120e6}


def containers_named(prefix: str) -> list[str]:
    """Names of the containers (running or not) whose name starts with `prefix`."""
    names = docker("ps", "-a", "--format", "{{.Names}}").split()
    return [n for n in names if n.startswith(prefix)]


def test_the_checkpoints_are_cp1_to_the_last_with_no_gap() -> None:
    assert CHECKPOINTS == [f"cp{n}" for n in range(1, len(CHECKPOINTS) + 1)], CHECKPOINTS
    assert len(CHECKPOINTS) >= 7, f"this tree has only {CHECKPOINTS}: the checkpoint tests need cp1 ... cp7"
    assert set(CHECKPOINTS) - {"cp1"} <= set(PORT_VARIABLES), "a checkpoint has no port variable in PORT_VARIABLES"


@pytest.mark.parametrize("checkpoint", CHECKPOINTS)
def test_every_checkpoint_has_its_readme_and_script(checkpoint: str) -> None:
    folder = ROOT / checkpoint
    readme = (folder / "ReadMe.txt").read_text(encoding="utf-8")
    assert readme.startswith("Lancez d'abord ./preload"), f"{checkpoint}/ReadMe.txt must start with the preload line"
    for section in ("Ce que cette étape ajoute", "Commandes", "Résultat attendu", "Ce qui manque encore"):
        assert section in readme, f"{checkpoint}/ReadMe.txt has no '{section}' section"
    go = folder / "go"
    assert go.stat().st_mode & stat.S_IXUSR, f"{checkpoint}/go is not executable"
    assert "set -euo pipefail" in go.read_text(encoding="utf-8")


@pytest.mark.parametrize("checkpoint", CHECKPOINTS)
def test_go_refuses_an_unknown_argument(checkpoint: str) -> None:
    run = run_go(checkpoint, "--no-such-option", log_name=f"{checkpoint}-bad-argument", timeout=60)
    assert run.returncode != 0
    assert "unknown argument --no-such-option" in run.output


@pytest.mark.parametrize(("checkpoint", "variable"),
                         [(checkpoint, PORT_VARIABLES[checkpoint]) for checkpoint in CHECKPOINTS
                          if checkpoint in PORT_VARIABLES])
def test_go_refuses_a_port_already_in_use(checkpoint: str, variable: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        env = dict(os.environ, **{variable: str(port)})
        run = run_go(checkpoint, env=env, log_name=f"{checkpoint}-port-in-use", timeout=120)
    assert run.returncode != 0
    assert f"port {port} is already in use (choose another with {variable}=PORT)" in run.output


def test_cp1_prints_the_cats_classes() -> None:
    run = run_go("cp1")
    assert_succeeded(run)
    # hublot's text output: the photo, then "  42.96%   282  tiger cat" lines.
    assert "cat.jpg" in run.output
    assert re.search(r"%\s+28[125]\s+(tabby|tiger cat|Egyptian cat)", run.output), run.output[-2000:]
    assert first_label(run.output) in CAT_LABELS


def test_cp2_host_server_answers_a_curl_of_the_cat() -> None:
    run = run_go("cp2")
    assert_succeeded(run)
    assert '"predictions"' in run.output
    assert first_label(run.output) in CAT_LABELS
    assert "hublot-classifier stopped" in run.output


def test_cp3_container_answers_the_cat() -> None:
    run = run_go("cp3")
    assert_succeeded(run)
    assert first_label(run.output) in CAT_LABELS
    assert containers_named("hublot-cp3-") == [], "cp3/go left its container behind"


def test_cp4_second_start_downloads_and_converts_nothing() -> None:
    run = run_go("cp4", "--fresh")
    assert_succeeded(run)
    first, _, second = run.output.partition("second start - docker run --rm --network none")
    assert second, "no second start in the output"
    # First start from an empty volume: fetched, converted, prepared.
    assert re.search(r"^\[efficientnet_lite0\] fetch ", first, re.M), first[-3000:]
    assert re.search(r"^\[efficientnet_lite0\] convert ", first, re.M)
    assert re.search(r"^\[efficientnet_lite0\] prepared ", first, re.M)
    # Second start: cached, and no fetch or conversion at all.
    assert re.search(r"^\[efficientnet_lite0\] cached ", second, re.M), second[:3000]
    assert not re.search(r"^\[[^]]*\] (fetch|convert|export) ", second, re.M)
    assert "nothing downloaded, nothing converted" in second
    assert first_label(run.output) in CAT_LABELS
    assert containers_named("hublot-cp4-") == []
    assert "hublot-cp4-models" in docker("volume", "ls", "--format", "{{.Name}}").split(), "the cache volume is gone"


def test_cp5_host_front_classifies_through_the_container() -> None:
    run = run_go("cp5")
    assert_succeeded(run)
    assert "GET /readyz answers 200" in run.output
    assert first_label(run.output) in CAT_LABELS
    assert "hublot-front stopped" in run.output
    assert containers_named("hublot-cp5-") == []


def compose_project_containers(project: str) -> list[str]:
    return docker("ps", "-a", "--filter", f"label=com.docker.compose.project={project}", "--format", "{{.Names}}").split()


def test_cp6_compose_stack_classifies_through_the_front_and_stops_cleanly() -> None:
    env = dict(os.environ, HUBLOT_FRONT_PORT="18086")
    run = run_go("cp6", env=env)
    assert_succeeded(run)
    assert first_label(run.output) in CAT_LABELS
    assert "stopped cleanly" in run.output, run.output[-2000:]
    assert compose_project_containers("hublot-cp6") == []


def stripped_host_env(tripwires: Path) -> dict[str, str]:
    """The environment of a host with no Swift, no ONNX Runtime dev files and no Python packages.

    PATH loses the Swift toolchain and the virtualenv, pkg-config finds nothing, and
    `tripwires` (first on PATH) holds commands that record any call to swift, python,
    pip, pkg-config or hublot-init.
    """
    hidden = {"/opt/swift/usr/bin", str(ROOT / ".venv" / "bin")}
    path = [p for p in os.environ.get("PATH", "").split(":") if p and p.rstrip("/") not in hidden]
    tripwires.mkdir(parents=True, exist_ok=True)
    for name in ("swift", "swiftc", "swift-build", "python", "python3", "pip", "pip3",
                 "pkg-config", "hublot-init", "hublot", "hublot-classifier", "hublot-front"):
        tool = tripwires / name
        tool.write_text(f'#!/bin/sh\necho "{name} $*" >> "{tripwires}/calls.log"\nexit 127\n', encoding="utf-8")
        tool.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "SWIFT_EXEC")}
    env.update(PATH=":".join([str(tripwires), *path]), PKG_CONFIG_PATH="/nonexistent", PKG_CONFIG_LIBDIR="/nonexistent",
               HUBLOT_FRONT_PORT="18087")
    return env


def test_cp7_builds_and_runs_with_no_toolchain_on_the_host(tmp_path: Path) -> None:
    tripwires = tmp_path / "tripwires"
    env = stripped_host_env(tripwires)
    run = run_go("cp7", env=env, timeout=2700)
    assert_succeeded(run)
    assert first_label(run.output) in CAT_LABELS
    assert "stopped cleanly" in run.output, run.output[-2000:]
    calls = tripwires / "calls.log"
    assert not calls.exists(), f"cp7 called host tools: {calls.read_text(encoding='utf-8')}"
    assert compose_project_containers("hublot-cp7") == []


@pytest.mark.parametrize("image", ["hublot-classifier:latest", "hublot-front:latest",
                                   "hublot-classifier:host", "hublot-front:host"])
def test_runtime_images_stay_small(image: str) -> None:
    size = float(docker("image", "inspect", "-f", "{{.Size}}", image).strip())
    floor = SIZE_FLOORS[image.split(":")[0]]
    print(f"{image}: {size / 1e6:.0f} MB (floor {floor / 1e6:.0f} MB)")
    assert size < floor, f"{image} is {size / 1e6:.0f} MB, over {floor / 1e6:.0f} MB"


@pytest.mark.parametrize("image", ["hublot-classifier:latest", "hublot-front:latest",
                                   "hublot-classifier:host", "hublot-front:host", "hublot-init:latest"])
def test_images_run_as_a_non_root_user_with_a_healthcheck(image: str) -> None:
    user = docker("image", "inspect", "-f", "{{.Config.User}}", image).strip()
    assert user not in ("", "root", "0"), f"{image} runs as root"
    if "init" not in image:
        health = docker("image", "inspect", "-f", "{{json .Config.Healthcheck}}", image).strip()
        assert health not in ("", "null"), f"{image} has no HEALTHCHECK"


VERSION = (ROOT / "VERSION").read_text().strip()


@pytest.mark.parametrize("image", ["hublot-classifier:latest", "hublot-front:latest", "hublot-init:latest",
                                   "hublot-builder:latest", "hublot-classifier:host", "hublot-front:host",
                                   f"hublot-classifier:{VERSION}", f"hublot-front:{VERSION}",
                                   f"hublot-init:{VERSION}", f"hublot-builder:{VERSION}"])
def test_images_carry_the_oci_labels(image: str) -> None:
    labels = json.loads(docker("image", "inspect", "-f", "{{json .Config.Labels}}", image)) or {}
    prefix = "org.opencontainers.image."
    print(f"{image}: " + ", ".join(f"{k[len(prefix):]}={v}" for k, v in sorted(labels.items()) if k.startswith(prefix)))
    assert labels.get(prefix + "version") == VERSION
    assert labels.get(prefix + "licenses") == "Apache-2.0"
    assert re.fullmatch(r"[0-9a-f]{40}", labels.get(prefix + "revision", "")), "no git commit in the revision label"
    assert labels.get(prefix + "source"), "no source label"
    assert labels.get(prefix + "title") == image.split(":")[0]
