"""Helpers shared by hublot-init's tests: paths, the test catalog, a test environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from hubserver import FakeHub
from tinymodel import TINY_SIZE

from hublot_init.cli import main

INIT_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = INIT_ROOT.parent
MODEL_PATH = "/google/tiny/classification/1"
LABELS_PATH = "/data/tiny-labels.txt"
TINY_LABELS = ["background"] + [f"class {i}" for i in range(1000)]


def photos_dir() -> Path:
    """The shared real photos: $HUBLOT_TEST_PHOTOS or <package root>/samples."""
    folder = Path(os.environ.get("HUBLOT_TEST_PHOTOS", PACKAGE_ROOT / "samples"))
    if not (folder / "cat.jpg").is_file():
        pytest.fail(f"real test photos not found in {folder}: set HUBLOT_TEST_PHOTOS")
    return folder


def write_catalog(folder: Path, hub: FakeHub, models: list[dict[str, object]] | None = None,
                  label_url: str | None = None) -> Path:
    """A catalog with the tiny model (and `models`), label set served by the fake hub."""
    entries = [{"name": "tiny", "family": "tiny", "handle": hub.url(MODEL_PATH), "image_size": TINY_SIZE,
                "labels": "tiny-1k"}]
    entries += models or []
    catalog = {
        "schema_version": 1, "default": "tiny",
        "label_sets": {"tiny-1k": {"url": label_url or hub.url(LABELS_PATH), "count": 1001}},
        "models": entries,
    }
    path = folder / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


@dataclass
class Env:
    """A test catalog and an empty repository, with helpers to run hublot-init."""

    catalog: Path
    repo: Path
    hub: FakeHub

    def run(self, *args: str) -> int:
        """Run hublot-init in this process (TensorFlow stays loaded between tests)."""
        return main(["--catalog", str(self.catalog), *args])

    def prepare(self, *names: str, extra: tuple[str, ...] = ()) -> int:
        """`prepare NAMES --repo REPO`."""
        return self.run("prepare", *(names or ("tiny",)), "--repo", str(self.repo), *extra)

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Run hublot-init in a child process (for kill and concurrency tests)."""
        return subprocess.Popen(
            [sys.executable, "-m", "hublot_init", "--catalog", str(self.catalog), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def model_dir(self, name: str = "tiny") -> Path:
        """Final folder of a model in the repository."""
        return self.repo / name


def leftovers(repo: Path) -> list[str]:
    """Temporary folders a prepare left in the repository."""
    if not repo.exists():
        return []
    return sorted(p.name for p in repo.iterdir() if p.name.startswith((".tmp-", ".old-")))
