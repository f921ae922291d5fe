"""Fixtures: a fake tfhub.dev on 127.0.0.1, a tiny SavedModel, test catalogs and repositories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hubserver import FakeHub
from initsupport import LABELS_PATH, MODEL_PATH, TINY_LABELS, Env, photos_dir, write_catalog
from tinymodel import archive, build_saved_model
from hublot_init.catalog import load_catalog
from hublot_init.prepare import prepare_model
from hublot_init.repository import Repository


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without the variables hublot-init reads (and gets them restored after)."""
    for name in ("TFHUB_CACHE_DIR", "TFHUB_DOWNLOAD_PROGRESS", "HUBLOT_CATALOG", "HUBLOT_REPOSITORY",
                 "HUBLOT_PARITY_IMAGES", "HUBLOT_EMBEDDED_MODELS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def tiny_archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The tiny SavedModel as a TF Hub-format tar.gz."""
    folder = tmp_path_factory.mktemp("tiny") / "saved_model"
    return archive(build_saved_model(folder))


@pytest.fixture
def hub(tiny_archive: bytes) -> Iterator[FakeHub]:
    """A fake tfhub.dev serving the tiny model and its label file; stopped after the test."""
    server = FakeHub()
    server.routes[MODEL_PATH] = tiny_archive
    server.files[LABELS_PATH] = ("\n".join(TINY_LABELS) + "\n").encode()
    yield server
    server.stop()


@pytest.fixture
def env(tmp_path: Path, hub: FakeHub) -> Env:
    """A catalog naming the fake hub, and a repository path that does not exist yet."""
    return Env(catalog=write_catalog(tmp_path, hub), repo=tmp_path / "repo", hub=hub)


@pytest.fixture(scope="session")
def lite0(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """efficientnet_lite0 prepared once (from the packaged archive, parity on the real photos)."""
    photos = photos_dir()
    repo = Repository(tmp_path_factory.mktemp("lite0") / "repo")
    entry = load_catalog().get("efficientnet_lite0")
    outcome = prepare_model(entry, repo, parity_images=sorted(photos.glob("*.jpg")))
    assert outcome.status == "prepared"
    return repo.root
