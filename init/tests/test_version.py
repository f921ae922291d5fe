"""model.json's `version`: 1 on the first prepare, unchanged while model.onnx is, one more when it changes."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest
from initsupport import Env, leftovers

from hublot_init import repository
from hublot_init.repository import model_version, sha256_file


def _published(env: Env) -> dict[str, Any]:
    return json.loads((env.model_dir() / "model.json").read_text())


def _resize_in_catalog(env: Env, size: int) -> None:
    """Export the tiny model at another size: the same weights give another model.onnx."""
    catalog = json.loads(env.catalog.read_text())
    catalog["models"][0]["image_size"] = size
    env.catalog.write_text(json.dumps(catalog))


def test_first_prepare_is_version_1(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0
    meta = _published(env)
    assert meta["version"] == 1
    assert meta["onnx"]["sha256"] == sha256_file(env.model_dir() / "model.onnx")
    assert f"[tiny] version    1 (model.onnx sha256 {meta['onnx']['sha256'][:12]}" in capsys.readouterr().out


def test_re_prepare_of_the_same_onnx_keeps_the_version(env: Env) -> None:
    assert env.prepare() == 0
    first = _published(env)
    assert env.prepare(extra=("--force",)) == 0
    again = _published(env)
    assert again["onnx"]["sha256"] == first["onnx"]["sha256"]  # the conversion is deterministic
    assert again["version"] == first["version"] == 1


def test_changed_onnx_increments_the_version_and_never_goes_back(env: Env) -> None:
    assert env.prepare() == 0
    first = _published(env)
    _resize_in_catalog(env, 48)
    assert env.prepare(extra=("--force",)) == 0
    second = _published(env)
    assert second["onnx"]["sha256"] != first["onnx"]["sha256"]
    assert second["input"]["height"] == 48 and second["version"] == 2
    _resize_in_catalog(env, 32)  # back to the first ONNX: a new publication all the same
    assert env.prepare(extra=("--force",)) == 0
    third = _published(env)
    assert third["onnx"]["sha256"] == first["onnx"]["sha256"] and third["version"] == 3
    assert leftovers(env.repo) == []


def test_model_json_without_version_counts_as_version_1(env: Env) -> None:
    """A model prepared before the field existed: same ONNX stays 1, a changed one becomes 2."""
    assert env.prepare() == 0
    meta_file = env.model_dir() / "model.json"
    meta = _published(env)
    del meta["version"]
    meta_file.write_text(json.dumps(meta))
    assert env.prepare(extra=("--force",)) == 0
    assert _published(env)["version"] == 1
    meta = _published(env)
    del meta["version"]
    meta_file.write_text(json.dumps(meta))
    _resize_in_catalog(env, 48)
    assert env.prepare(extra=("--force",)) == 0
    assert _published(env)["version"] == 2


def test_unreadable_published_model_json_restarts_at_1(env: Env) -> None:
    assert env.prepare() == 0
    _resize_in_catalog(env, 48)
    assert env.prepare(extra=("--force",)) == 0
    assert _published(env)["version"] == 2
    (env.model_dir() / "model.json").write_text('{"schema_version": 1, "name": ')  # cut mid-JSON
    assert env.prepare() == 0  # not cached: prepared again
    assert _published(env)["version"] == 1


def test_failed_publication_does_not_consume_a_version(env: Env, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0
    _resize_in_catalog(env, 48)

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(repository, "write_bytes", disk_full)
        assert env.prepare(extra=("--force",)) != 0
    assert "disk full" in capsys.readouterr().err
    assert _published(env)["version"] == 1  # the published model is untouched
    assert env.prepare(extra=("--force",)) == 0
    assert _published(env)["version"] == 2


@pytest.mark.parametrize(("published", "expected"), [
    (None, 1),
    ({"version": 4, "onnx": {"sha256": "abc"}}, 4),
    ({"version": 4, "onnx": {"sha256": "def"}}, 5),
    ({"onnx": {"sha256": "abc"}}, 1),
    ({"onnx": {"sha256": "def"}}, 2),
    ({"version": True, "onnx": {"sha256": "abc"}}, 1),
    ({"version": "7", "onnx": {"sha256": "abc"}}, 1),
    ({"version": 0, "onnx": {"sha256": "def"}}, 2),
    ({"version": 3}, 4),
    ({"version": 3, "onnx": "abc"}, 4),
])
def test_model_version_rules(published: dict[str, Any] | None, expected: int) -> None:
    assert model_version(published, "abc") == expected


def test_re_prepare_in_another_process_keeps_the_version(env: Env) -> None:
    """tf2onnx's output varies from one process to the next (merged constants, their order): canonicalised."""
    assert env.prepare() == 0
    first = _published(env)
    child = env.spawn("prepare", "tiny", "--repo", str(env.repo), "--force")
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    again = _published(env)
    assert again["onnx"]["sha256"] == first["onnx"]["sha256"] and again["version"] == 1
