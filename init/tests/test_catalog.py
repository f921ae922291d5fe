"""The catalog holds every model of the Colab, with its handle, size and label set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hublot_init.catalog import load_catalog
from hublot_init.cli import main

COLAB_MODELS = (
    ["efficientnetv2-s", "efficientnetv2-m", "efficientnetv2-l"]
    + [f"efficientnetv2-{s}-21k" for s in ("s", "m", "l", "xl", "b0", "b1", "b2", "b3")]
    + [f"efficientnetv2-{s}-21k-ft1k" for s in ("s", "m", "l", "xl", "b0", "b1", "b2", "b3")]
    + [f"efficientnetv2-b{i}" for i in range(4)]
    + [f"efficientnet_b{i}" for i in range(8)]
    + ["bit_s-r50x1", "inception_v3", "inception_resnet_v2"]
    + [f"resnet_v{v}_{d}" for v in (1, 2) for d in (50, 101, 152)]
    + ["nasnet_large", "nasnet_mobile", "pnasnet_large"]
    + [f"mobilenet_v2_{w}_224" for w in (100, 130, 140)]
    + [f"mobilenet_v3_{k}_{w}_224" for k in ("small", "large") for w in ("100", "075")]
)
# The embedded EfficientNet-Lite models (models/<name>/) and their input sizes (TensorFlow's
# efficientnet_lite_builder.py: Lite0 224, Lite1 240, Lite2 260).
EMBEDDED_SIZES = {"efficientnet_lite0": 224, "efficientnet_lite1": 240, "efficientnet_lite2": 260}


def test_every_colab_model_is_listed_with_a_tfhub_handle() -> None:
    catalog = load_catalog()
    assert len(COLAB_MODELS) == 50
    assert set(catalog.names()) == set(COLAB_MODELS) | set(EMBEDDED_SIZES)
    for name in COLAB_MODELS:
        entry = catalog.get(name)
        assert entry.handle.startswith("https://tfhub.dev/"), name
        assert 224 <= entry.image_size <= 600, name


def test_sizes_and_label_sets_follow_the_colab() -> None:
    catalog = load_catalog()
    assert catalog.get("efficientnetv2-s").image_size == 384
    assert catalog.get("efficientnet_b7").image_size == 600
    assert catalog.get("inception_v3").image_size == 299
    assert catalog.get("nasnet_large").image_size == 331
    bit = catalog.get("bit_s-r50x1")
    assert bit.dynamic_size and bit.image_size == 512
    assert [m.name for m in catalog.models if m.dynamic_size] == ["bit_s-r50x1"]
    assert catalog.get("efficientnetv2-xl-21k").labels.name == "imagenet-21k"
    assert catalog.get("efficientnetv2-xl-21k-ft1k").labels.name == "imagenet-1k-background"
    assert catalog.get("mobilenet_v3_small_100_224").handle == (
        "https://tfhub.dev/google/imagenet/mobilenet_v3_small_100_224/classification/5"
    )
    assert catalog.get("resnet_v2_50").labels.url == (
        "https://storage.googleapis.com/download.tensorflow.org/data/ImageNetLabels.txt"
    )


def test_embedded_default() -> None:
    catalog = load_catalog()
    lite = catalog.get("efficientnet_lite0")
    assert catalog.default == "efficientnet_lite0"
    assert lite.handle == "hublot://embedded/efficientnet_lite0"
    assert lite.image_size == 224 and lite.labels.packaged


@pytest.mark.parametrize(("name", "size"), sorted(EMBEDDED_SIZES.items()))
def test_embedded_entries_work_offline(name: str, size: int) -> None:
    """Embedded handles, fixed size, the packaged 1001-line labels (offset 1 for their 1000 outputs)."""
    entry = load_catalog().get(name)
    assert entry.handle == f"hublot://embedded/{name}" and entry.family == "efficientnet"
    assert entry.image_size == size and not entry.dynamic_size
    assert entry.labels.name == "imagenet-1k-background" and entry.labels.packaged


def test_catalog_command_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["NAME", "SIZE", "LABELS"]
    assert len(table) == 1 + 53 + 2  # header, models, the two notes (dynamic size, precisions)
    assert main(["catalog", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["default"] == "efficientnet_lite0"
    assert len(document["models"]) == 53


def test_unknown_model_suggests_close_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    assert main(["prepare", "efficientnet_lite", "--repo", str(repo)]) == 3
    err = capsys.readouterr().err
    assert "unknown model 'efficientnet_lite'" in err and "efficientnet_lite0" in err
    assert not repo.exists()


def test_malformed_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "catalog.json"
    bad.write_text('{"models": [{"name": "x"}]}')
    assert main(["--catalog", str(bad), "catalog"]) == 13
    assert "malformed" in capsys.readouterr().err
    assert main(["--catalog", str(tmp_path / "missing.json"), "catalog"]) == 13
