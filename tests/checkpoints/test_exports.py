"""cp1 and cp2 as project trees (scripts/export-checkpoint): each export builds and its go passes.

cp5's export is left to `make course-check` (which exports all eight): its package graph and targets
are the repository's, so here it would repeat test_checkpoints.py's cp5 run from the main tree, for
about 100 s of the test run.

The exports are written from HEAD into a temporary folder and run from there, as a
student would run them, with three things borrowed from this repository (through the
variables scripts/lib/checkpoint.sh reads):
  - HUBLOT_INIT: this repository's .venv/bin/hublot-init unless HUBLOT_INIT names one (an
    export would make its own .venv with ./preload: minutes of TensorFlow install);
  - HUBLOT_SCRATCH_PATH: this repository's .build, which test_checkpoints.py (run before,
    file order) filled with the release build of the three products. The checkouts'
    path is then the same, so the packages' modules are reused and only the exports'
    own targets compile (and Hummingbird, whose build differs with the package graph):
    about 1 min for the two instead of about 11 min from nothing (docs/course.md).
    It leaves the checkouts and Package.resolved of this repository as they were; its
    next release build recompiles its own targets (about 2 min). Nothing after this
    module builds on the host (tests/compose uses the images).
  - HUBLOT_HOST_MODELS: one model folder for the two (prepared once).
Own port (8112).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from front_client import CAT_LABELS  # noqa: E402
from hublot_containers import ROOT, assert_succeeded, run_go  # noqa: E402

# cp2's smaller package graph rebuilds Hummingbird once (measured, docs/course.md).
EXPORTED = ["cp2", "cp1"]
# The port of cp2's run, apart from the checkpoints' own (8102, 8105, 8115).
ENVIRONMENT = {"HUBLOT_CP2_PORT": "8112"}


def git(*args: str) -> str:
    """`git ARGS` in this repository: its stdout, stripped."""
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()


COMMIT = git("rev-parse", "HEAD")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the exports of EXPORTED from HEAD (and, once cp2 ran, their model folder)."""
    folder = tmp_path_factory.mktemp("course")
    for checkpoint in EXPORTED:
        subprocess.run([str(ROOT / "scripts" / "export-checkpoint"), "--commit", COMMIT, checkpoint,
                        str(folder / checkpoint)], check=True, timeout=120)
    return folder


def export_environment(folder: Path) -> dict[str, str]:
    """The go scripts' environment in an export: see the module's docstring."""
    env = dict(os.environ, **ENVIRONMENT,
               HUBLOT_INIT=os.environ.get("HUBLOT_INIT", str(ROOT / ".venv" / "bin" / "hublot-init")),
               HUBLOT_SCRATCH_PATH=str(ROOT / ".build"),
               HUBLOT_HOST_MODELS=str(folder / "models"),
               # An export is no git repository: the images it builds carry this commit.
               HUBLOT_REVISION=COMMIT)
    origin = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"], capture_output=True, text=True,
                            check=False)
    if origin.returncode == 0:
        env["HUBLOT_SOURCE"] = re.sub(r"^([a-z+]+://)[^/@]*@", r"\1", origin.stdout.strip())
    return env


@pytest.mark.parametrize("checkpoint", EXPORTED)
def test_export_builds_and_its_go_passes(checkpoint: str, exports: Path) -> None:
    tree = exports / checkpoint
    assert not (tree / "Tests").exists() and not (tree / "Makefile").exists()
    run = run_go(checkpoint, env=export_environment(exports), root=tree, log_name=f"export-{checkpoint}")
    assert_succeeded(run)
    labels = re.findall(r"==> cat\.jpg -> (.+) \(OK\)", run.output)
    assert labels and labels[-1] in CAT_LABELS
    if checkpoint == "cp2":
        assert "hublot-classifier stopped" in run.output
