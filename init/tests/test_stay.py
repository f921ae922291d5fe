"""`prepare --stay`: ready file once prepared, then up until SIGTERM (exit 0); a failure exits at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from initsupport import Env

WAIT_S = 120


def _stay_child(env: Env, ready: Path, name: str = "tiny") -> subprocess.Popen[str]:
    code = (
        "import sys\n"
        "from hublot_init.cli import main\n"
        f"sys.exit(main(['--catalog', {str(env.catalog)!r}, 'prepare', {name!r}, '--repo', {str(env.repo)!r}, '--stay']))\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HUBLOT_INIT_READY_FILE": str(ready)})


def test_stay_marks_ready_then_exits_0_on_sigterm(env: Env, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    ready.write_text("stale\n")  # left by an earlier run: removed before preparing
    child = _stay_child(env, ready)
    deadline = time.monotonic() + WAIT_S
    while not (ready.exists() and ready.read_text() == "1\n"):
        assert child.poll() is None, child.communicate(timeout=10)
        assert time.monotonic() < deadline, "no ready file"
        time.sleep(0.1)
    assert (env.model_dir() / "model.json").exists()
    assert child.poll() is None, "prepare --stay exited instead of staying up"
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 0, err
    assert "ready (1 model); staying up until stopped" in out
    assert "hublot-init: stopped" in out


def test_stay_after_a_failure_exits_with_the_error_and_no_ready_file(env: Env, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    child = _stay_child(env, ready, name="no_such_model")
    out, err = child.communicate(timeout=WAIT_S)
    assert child.returncode != 0
    assert "no_such_model" in err
    assert not ready.exists()
