"""Fixtures for the live hublot-classifier tests: one shared server, the photos, the reference tensors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hublot_testing import ServerProcess, photos_dir, reference_dir, start_classifier


@pytest.fixture(scope="session")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A live classifier shared by the tests that do not stop it."""
    server = start_classifier(tmp_path_factory.mktemp("classifier") / "classifier.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def photos() -> Path:
    """The folder of the real photos."""
    return photos_dir()


@pytest.fixture(scope="session")
def reference() -> dict[str, dict[str, np.ndarray]]:
    """Reference input and probability tensors by photo stem (from `hublot-init reference`)."""
    folder = reference_dir()
    index = json.loads((folder / "reference.json").read_text())
    height, width, classes = index["height"], index["width"], index["classes"]
    tensors: dict[str, dict[str, np.ndarray]] = {}
    for image in index["images"]:
        tensors[image["stem"]] = {
            "input": np.fromfile(folder / image["input"], dtype="<f4").reshape(1, height, width, 3),
            "probabilities": np.fromfile(folder / image["probabilities"], dtype="<f4").reshape(1, classes),
            "top1": np.array(image["top5"][0]),
        }
    return tensors
