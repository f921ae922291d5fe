"""A model repository with two models for the compare page (the servers themselves: tests/support)."""

from __future__ import annotations

import json
from pathlib import Path

from hublot_testing import models_dir


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
