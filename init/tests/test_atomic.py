"""Atomic writes and the lock: a killed prepare leaves no model visible; concurrent prepares do not corrupt."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from initsupport import MODEL_PATH, Env, leftovers

from hublot_init.repository import sha256_file

WAIT_S = 120


def _prepare_child(env: Env, sabotage: str = "") -> subprocess.Popen[str]:
    """`hublot-init prepare tiny` in a child process, optionally killing itself at a chosen point."""
    code = (
        "import os, signal, sys\n"
        "from hublot_init import repository\n"
        "from hublot_init.cli import main\n"
        f"{sabotage}\n"
        f"sys.exit(main(['--catalog', {str(env.catalog)!r}, 'prepare', 'tiny', '--repo', {str(env.repo)!r}]))\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _assert_model_valid(env: Env) -> None:
    folder = env.model_dir()
    meta = json.loads((folder / "model.json").read_text())
    assert meta["onnx"]["sha256"] == sha256_file(folder / "model.onnx")
    # Readable by servers running as another user (the staging folder was 0700).
    assert folder.stat().st_mode & 0o777 == 0o755
    assert len((folder / "labels.txt").read_text().splitlines()) == 1001


def test_kill_during_download_leaves_no_model(env: Env) -> None:
    env.hub.delay_s = WAIT_S
    child = _prepare_child(env)
    deadline = time.monotonic() + WAIT_S
    while env.hub.count(MODEL_PATH) == 0 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
    assert env.hub.count(MODEL_PATH) == 1, child.communicate(timeout=10)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    env.hub.release.set()
    assert not (env.model_dir() / "model.json").exists()
    # the next prepare clears tensorflow_hub's stale lock instead of waiting for it to time out
    env.hub.delay_s = 0
    again = _prepare_child(env)
    out, err = again.communicate(timeout=WAIT_S)
    assert again.returncode == 0, err
    _assert_model_valid(env)
    assert list((env.repo / ".tfhub").glob("*.lock")) == []
    assert list((env.repo / ".tfhub").glob("*.tmp")) == []


def test_kill_while_writing_files_leaves_no_model(env: Env) -> None:
    sabotage = (
        "real = repository.write_bytes\n"
        "def write_then_die(path, data):\n"
        "    real(path, data)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "repository.write_bytes = write_then_die\n"
    )
    child = _prepare_child(env, sabotage)
    child.communicate(timeout=WAIT_S)
    assert child.returncode == -signal.SIGKILL
    assert not env.model_dir().exists()
    assert len(leftovers(env.repo)) == 1  # the staging folder of the dead process, invisible to readers


def test_kill_just_before_publishing_leaves_no_model_and_is_cleaned_up(env: Env) -> None:
    sabotage = (
        "def die(self, staged, name):\n"
        "    assert (staged / 'model.json').exists()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "repository.Repository.publish = die\n"
    )
    child = _prepare_child(env, sabotage)
    child.communicate(timeout=WAIT_S)
    assert child.returncode == -signal.SIGKILL
    assert not (env.model_dir() / "model.json").exists()
    assert leftovers(env.repo)
    assert env.prepare() == 0
    _assert_model_valid(env)
    assert leftovers(env.repo) == []
    assert env.hub.count(MODEL_PATH) == 1  # the download of the killed run was kept in the tfhub cache


def test_concurrent_prepares_of_one_model(env: Env) -> None:
    env.hub.delay_s = 1.0
    children = [_prepare_child(env) for _ in range(2)]
    outputs = [child.communicate(timeout=WAIT_S) for child in children]
    for child, (out, err) in zip(children, outputs):
        assert child.returncode == 0, err
    lines = [line for out, _ in outputs for line in out.splitlines()]
    assert sum("[tiny] prepared" in line for line in lines) == 1
    assert sum("[tiny] cached" in line for line in lines) == 1
    assert env.hub.count(MODEL_PATH) == 1
    _assert_model_valid(env)
    assert leftovers(env.repo) == []


def test_sigterm_during_download_cleans_up(env: Env) -> None:
    env.hub.delay_s = WAIT_S
    child = _prepare_child(env)
    deadline = time.monotonic() + WAIT_S
    while env.hub.count(MODEL_PATH) == 0 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
    assert env.hub.count(MODEL_PATH) == 1
    child.send_signal(signal.SIGTERM)
    env.hub.release.set()  # the blocked read returns, Python runs the handler and unwinds
    child.communicate(timeout=WAIT_S)
    assert child.returncode == 128 + signal.SIGTERM
    assert not (env.model_dir() / "model.json").exists()
    assert leftovers(env.repo) == []
    assert list((env.repo / ".tfhub").glob("*.lock")) == []
    assert list((env.repo / ".tfhub").glob("*.tmp")) == []
