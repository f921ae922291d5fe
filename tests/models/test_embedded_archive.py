"""The committed embedded model (models/efficientnet_lite0) and the offline ImageNet labels.

Offline: reads the committed archive, the packaged label file and the real
photos (``HUBLOT_TEST_PHOTOS``, default ``samples/``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "models" / "efficientnet_lite0"
ARCHIVE = MODEL_DIR / "efficientnet_lite0.tar.gz"
LABELS = ROOT / "init" / "src" / "hublot_init" / "labels" / "imagenet-1k-background.txt"
PHOTOS = Path(os.environ.get("HUBLOT_TEST_PHOTOS", ROOT / "samples"))

# ImageNet-1k indices (no background) a correct model gives (photos README).
EXPECTED_TOP1 = {"cat": {281, 282, 285}, "bus": {874}, "banana": {954}}
EXPECTED_TOP5 = {"turtle": {33, 34}}


def load_build_module() -> ModuleType:
    """Import models/efficientnet_lite0/build.py (not a package) by path."""
    spec = importlib.util.spec_from_file_location("lite0_build", MODEL_DIR / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build() -> ModuleType:
    return load_build_module()


@pytest.fixture(scope="module")
def saved_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("lite0")
    with tarfile.open(ARCHIVE, "r:gz") as tar:
        tar.extractall(target, filter="data")
    return target


@pytest.fixture(scope="module")
def photos(build: ModuleType) -> dict[str, np.ndarray]:
    if not PHOTOS.is_dir():
        pytest.fail(f"test photos not found at {PHOTOS} (set HUBLOT_TEST_PHOTOS)")
    return {name: build.load_photo(PHOTOS / f"{name}.jpg") for name in (*EXPECTED_TOP1, *EXPECTED_TOP5)}


def test_archive_is_a_tf_hub_savedmodel_at_root() -> None:
    with tarfile.open(ARCHIVE, "r:gz") as tar:
        names = tar.getnames()
    assert "saved_model.pb" in names
    assert "variables/variables.index" in names
    assert all(not n.startswith(("/", "..")) and "/../" not in n for n in names)
    assert 15e6 < ARCHIVE.stat().st_size < 20e6


def test_parity_record_matches_committed_archive() -> None:
    record = json.loads((MODEL_DIR / "parity.json").read_text())
    assert record["archive_sha256"] == hashlib.sha256(ARCHIVE.read_bytes()).hexdigest()
    assert record["max_abs_logit_delta"] <= record["tolerance"] <= 1e-4
    assert record["counts"]["parameters"] == 4_652_008


def test_photos_classified_through_hub_load(saved_model_dir: Path, photos: dict[str, np.ndarray]) -> None:
    import tensorflow_hub as hub

    model = hub.load(str(saved_model_dir))
    for name, image in photos.items():
        logits = model(image).numpy()
        assert logits.shape == (1, 1000)
        top5 = set(np.argsort(-logits[0])[:5].tolist())
        if name in EXPECTED_TOP1:
            assert int(np.argmax(logits[0])) in EXPECTED_TOP1[name], name
        else:
            assert top5 & EXPECTED_TOP5[name], (name, top5)


def test_keras_layer_and_signature_agree_with_call(saved_model_dir: Path, photos: dict[str, np.ndarray]) -> None:
    import tensorflow as tf
    import tensorflow_hub as hub

    batch = tf.constant(np.concatenate([photos["cat"], photos["bus"]]))
    loaded = hub.load(str(saved_model_dir))
    signature = loaded.signatures["serving_default"]
    assert list(signature.structured_input_signature[1]) == ["images"]
    direct = loaded(batch).numpy()
    np.testing.assert_allclose(hub.KerasLayer(str(saved_model_dir))(batch).numpy(), direct, atol=1e-5)
    np.testing.assert_allclose(signature(images=batch)["logits"].numpy(), direct, atol=1e-5)


def test_wrong_input_shape_is_rejected(saved_model_dir: Path) -> None:
    import tensorflow as tf
    import tensorflow_hub as hub

    model = hub.load(str(saved_model_dir))
    with pytest.raises((ValueError, TypeError)):
        model(tf.zeros([1, 128, 128, 3]))


def test_block_layout_is_efficientnet_lite0(build: ModuleType) -> None:
    specs = build.block_specs()
    assert len(specs) == 16
    assert [s.stride for s in specs].count(2) == 4
    assert sum(s.has_skip for s in specs) == 9
    assert build.variable_name("_blocks.3._bn1.running_var") == "blocks/3/bn1/running_var"


def test_weight_layouts_are_transposed(build: ModuleType) -> None:
    torch_like = {
        "_conv_stem.weight": np.zeros((32, 3, 3, 3), np.float32),
        "_blocks.0._depthwise_conv.weight": np.zeros((32, 1, 3, 3), np.float32),
        "_fc.weight": np.zeros((1000, 1280), np.float32),
        "_bn0.bias": np.zeros((32,), np.float32),
    }
    shapes = {k: v.shape for k, v in build.tf_weights(torch_like).items()}
    assert shapes == {
        "_conv_stem.weight": (3, 3, 3, 32),
        "_blocks.0._depthwise_conv.weight": (3, 3, 32, 1),
        "_fc.weight": (1280, 1000),
        "_bn0.bias": (32,),
    }


def test_targz_is_deterministic(build: ModuleType, tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "variables").mkdir(parents=True)
    (source / "saved_model.pb").write_bytes(b"graph")
    (source / "variables" / "variables.index").write_bytes(b"index")
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    build.deterministic_targz(source, first)
    os.utime(source / "saved_model.pb", (1, 1))
    build.deterministic_targz(source, second)
    assert first.read_bytes() == second.read_bytes()


def test_offline_labels_match_the_colab_file() -> None:
    lines = LABELS.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1001
    expected = {0: "background", 1: "tench", 34: "loggerhead", 35: "leatherback turtle", 282: "tabby",
                283: "tiger cat", 286: "Egyptian cat", 875: "trolleybus", 955: "banana", 1000: "toilet tissue"}
    assert {i: lines[i] for i in expected} == expected
