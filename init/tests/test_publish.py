"""Publishing a model folder: a replacement is one exchange, so the model is never missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hublot_init import repository
from hublot_init.repository import Repository, exchange


def _staged(root: Path, text: str) -> Path:
    folder = root / f".tmp-{text}"
    folder.mkdir(mode=0o700)
    (folder / "model.json").write_text(text)
    return folder


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    first, second = _staged(tmp_path, "first"), _staged(tmp_path, "second")
    assert exchange(first, second), "this file system cannot exchange: the replacement test below would not test it"
    assert (first / "model.json").read_text() == "second"
    assert (second / "model.json").read_text() == "first"


def test_a_replacement_never_renames_the_published_folder_away(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository(tmp_path)
    repo.publish(_staged(tmp_path, "v1"), "model")
    final = tmp_path / "model"
    real_rename = os.rename

    def rename(source: os.PathLike[str] | str, target: os.PathLike[str] | str) -> None:
        assert Path(source) != final, "the published folder was renamed away: a scan could find the model missing"
        real_rename(source, target)

    monkeypatch.setattr(repository.os, "rename", rename)
    repo.publish(_staged(tmp_path, "v2"), "model")
    assert (final / "model.json").read_text() == "v2"
    assert final.stat().st_mode & 0o777 == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_without_exchange_a_replacement_falls_back_to_two_renames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository(tmp_path)
    repo.publish(_staged(tmp_path, "v1"), "model")
    monkeypatch.setattr(repository, "exchange", lambda first, second: False)
    repo.publish(_staged(tmp_path, "v2"), "model")
    assert (tmp_path / "model" / "model.json").read_text() == "v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
