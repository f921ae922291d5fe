"""The embedded default: `hublot://embedded/<name>` through tensorflow_hub's cache, and real photos."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from initsupport import TINY_SIZE, Env, photos_dir

from hublot_init.catalog import load_catalog
from hublot_init.prepare import prepare_model
from hublot_init.repository import Repository
from hublot_init.cli import main
from hublot_init.preprocess import load_image

EMBEDDED_HANDLE = "hublot://embedded/efficientnet_lite0"


def _embedded_catalog(env: Env, name: str = "tinyemb") -> None:
    catalog = json.loads(env.catalog.read_text())
    catalog["models"].append({"name": name, "family": "tiny", "handle": f"hublot://embedded/{name}",
                              "image_size": TINY_SIZE, "labels": "tiny-1k"})
    env.catalog.write_text(json.dumps(catalog))


def test_embedded_handle_goes_through_the_tfhub_cache(env: Env, tmp_path: Path, tiny_archive: bytes,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    models = tmp_path / "embedded"
    (models / "tinyemb").mkdir(parents=True)
    (models / "tinyemb" / "tinyemb.tar.gz").write_bytes(tiny_archive)
    monkeypatch.setenv("HUBLOT_EMBEDDED_MODELS", str(models))
    _embedded_catalog(env)
    assert env.prepare("tinyemb") == 0
    sha1 = hashlib.sha1(b"hublot://embedded/tinyemb").hexdigest()
    cache = env.repo / ".tfhub"
    assert (cache / sha1 / "saved_model.pb").is_file()
    assert "hublot://embedded/tinyemb" in (cache / f"{sha1}.descriptor.txt").read_text()
    assert json.loads((env.model_dir("tinyemb") / "model.json").read_text())["handle"] == "hublot://embedded/tinyemb"
    # the unpacked cache is used from then on: the archive is no longer needed
    (models / "tinyemb" / "tinyemb.tar.gz").unlink()
    assert env.prepare("tinyemb", extra=("--force",)) == 0


def test_missing_embedded_archive(env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HUBLOT_EMBEDDED_MODELS", str(tmp_path / "nowhere"))
    _embedded_catalog(env)
    assert env.prepare("tinyemb") == 4
    err = capsys.readouterr().err
    assert str(tmp_path / "nowhere" / "tinyemb" / "tinyemb.tar.gz") in err and "HUBLOT_EMBEDDED_MODELS" in err
    assert not (env.model_dir("tinyemb") / "model.json").exists()


def _classify(repo: Path, image: Path, name: str = "efficientnet_lite0") -> tuple[list[int], list[str], np.ndarray]:
    folder = repo / name
    meta = json.loads((folder / "model.json").read_text())
    labels = (folder / "labels.txt").read_text().splitlines()
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    size = meta["input"]["height"]
    logits = session.run(None, {"images": load_image(image, size, size)})[0][0].astype(np.float64)
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    top5 = [int(i) for i in np.argsort(-probs)[:5]]
    offset = meta["labels"]["offset"]
    return top5, [labels[i + offset] for i in top5], probs


def test_lite0_metadata(lite0: Path) -> None:
    folder = lite0 / "efficientnet_lite0"
    meta = json.loads((folder / "model.json").read_text())
    assert meta["handle"] == EMBEDDED_HANDLE and meta["family"] == "efficientnet"
    assert meta["input"]["height"] == meta["input"]["width"] == 224
    assert meta["output"] == {"name": "logits", "classes": 1000, "activation": "logits"}
    assert meta["labels"] == {"file": "labels.txt", "count": 1001, "offset": 1, "set": "imagenet-1k-background"}
    assert meta["parity"]["images"] == ["banana.jpg", "bus.jpg", "cat.jpg", "turtle.jpg"]
    assert meta["parity"]["top5_agree"] and meta["parity"]["max_abs_diff_probability"] <= 1e-4
    labels = (folder / "labels.txt").read_text().splitlines()
    assert len(labels) == 1001 and labels[0] == "background" and labels[1] == "tench"
    sha1 = hashlib.sha1(EMBEDDED_HANDLE.encode()).hexdigest()
    assert (lite0 / ".tfhub" / sha1 / "saved_model.pb").is_file()


@pytest.mark.parametrize(("photo", "accepted"), [
    ("cat.jpg", {281: "tabby", 282: "tiger cat", 285: "Egyptian cat"}),
    ("bus.jpg", {874: "trolleybus"}),
    ("banana.jpg", {954: "banana"}),
])
def test_lite0_top1_on_real_photos(lite0: Path, photo: str, accepted: dict[int, str]) -> None:
    top5, names, _ = _classify(lite0, photos_dir() / photo)
    assert top5[0] in accepted, (top5, names)
    assert names[0] == accepted[top5[0]]


def test_lite0_turtle_in_top5(lite0: Path) -> None:
    top5, names, _ = _classify(lite0, photos_dir() / "turtle.jpg")
    assert {33, 34} & set(top5), (top5, names)
    assert {"loggerhead", "leatherback turtle"} & set(names)


def test_reference_tensors(lite0: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photos = photos_dir()
    images = [photos / "cat.jpg", photos / "bus.jpg"]
    out = tmp_path / "reference"
    assert main(["reference", "--model", "efficientnet_lite0", *map(str, images), "--out", str(out),
                 "--repo", str(lite0)]) == 0
    document = json.loads((out / "reference.json").read_text())
    assert (document["model"], document["height"], document["width"], document["classes"]) == (
        "efficientnet_lite0", 224, 224, 1000)
    for image, record in zip(images, document["images"]):
        assert record["image"] == str(image.resolve()) and record["stem"] == image.stem
        tensor = np.frombuffer((out / record["input"]).read_bytes(), dtype="<f4")
        assert tensor.size == 224 * 224 * 3
        np.testing.assert_array_equal(tensor.reshape(1, 224, 224, 3), load_image(image, 224, 224))
        probs = np.frombuffer((out / record["probabilities"]).read_bytes(), dtype="<f4")
        assert probs.size == 1000 and abs(float(probs.sum()) - 1.0) < 1e-4
        top5, _, expected = _classify(lite0, image)
        assert record["top5"] == top5
        assert np.abs(probs - expected).max() < 1e-6
    # float32 little-endian, as the Swift side reads it
    first = struct.unpack("<f", (out / "cat.probs.f32").read_bytes()[:4])[0]
    assert first == pytest.approx(float(np.frombuffer((out / "cat.probs.f32").read_bytes(), "<f4")[0]))


def test_lite0_cached_prepare_without_tensorflow(lite0: Path) -> None:
    code = (
        "import sys; from hublot_init.cli import main; "
        f"rc = main(['prepare', 'efficientnet_lite0', '--repo', {str(lite0)!r}]); "
        "print('tensorflow imported' if 'tensorflow' in sys.modules else 'tensorflow not imported'); sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "[efficientnet_lite0] cached" in done.stdout and "tensorflow not imported" in done.stdout


def test_lite0_re_prepared_in_another_process_is_the_same_onnx(lite0: Path) -> None:
    """tf2onnx's output changed from one process to the next (merged constants, their order): canonicalised."""
    before = json.loads((lite0 / "efficientnet_lite0" / "model.json").read_text())
    done = subprocess.run([sys.executable, "-m", "hublot_init", "prepare", "efficientnet_lite0", "--force",
                           "--repo", str(lite0)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    after = json.loads((lite0 / "efficientnet_lite0" / "model.json").read_text())
    assert after["onnx"]["sha256"] == before["onnx"]["sha256"]
    assert after["version"] == before["version"] == 1


# The other embedded models: EfficientNet-Lite1 (240 px) and Lite2 (260 px), models/efficientnet_lite1|2.
OTHER_SIZES = {"efficientnet_lite1": 240, "efficientnet_lite2": 260}
# bus.jpg: trolleybus (874) first for Lite1; Lite2 puts `passenger car` (705) first, as its PyTorch reference does.
TROLLEYBUS_RANK = {"efficientnet_lite1": 1, "efficientnet_lite2": 2}


# Lite1 is prepared for real into a running classifier's repository by
# tests/classifier/test_classifier_repository.py (metadata, version, top-1 through the server).
@pytest.fixture(scope="session", params=["efficientnet_lite2"])
def other_lite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """efficientnet_lite1 or 2 prepared once, offline, from its committed archive (parity on the real photos)."""
    name = request.param
    repo = Repository(tmp_path_factory.mktemp(name) / "repo")
    outcome = prepare_model(load_catalog().get(name), repo, parity_images=sorted(photos_dir().glob("*.jpg")))
    assert outcome.status == "prepared"
    return name, repo.root


def test_other_lite_metadata(other_lite: tuple[str, Path]) -> None:
    name, repo = other_lite
    meta = json.loads((repo / name / "model.json").read_text())
    assert meta["handle"] == f"hublot://embedded/{name}" and meta["family"] == "efficientnet"
    assert meta["input"]["height"] == meta["input"]["width"] == OTHER_SIZES[name]
    assert meta["output"] == {"name": "logits", "classes": 1000, "activation": "logits"}
    assert meta["labels"] == {"file": "labels.txt", "count": 1001, "offset": 1, "set": "imagenet-1k-background"}
    assert meta["parity"]["images"] == ["banana.jpg", "bus.jpg", "cat.jpg", "turtle.jpg"]
    assert meta["parity"]["top5_agree"] and meta["parity"]["max_abs_diff_probability"] <= 1e-4
    assert meta["version"] == 1
    sha1 = hashlib.sha1(f"hublot://embedded/{name}".encode()).hexdigest()
    assert (repo / ".tfhub" / sha1 / "saved_model.pb").is_file()


def test_other_lite_classifies_the_photos(other_lite: tuple[str, Path]) -> None:
    name, repo = other_lite
    photos = photos_dir()
    top5, names, _ = _classify(repo, photos / "cat.jpg", name)
    assert top5[0] in {281, 282, 285} and names[0] in {"tabby", "tiger cat", "Egyptian cat"}, names
    top5, names, _ = _classify(repo, photos / "banana.jpg", name)
    assert top5[0] == 954 and names[0] == "banana", names
    top5, names, _ = _classify(repo, photos / "turtle.jpg", name)
    assert {33, 34} & set(top5), names
    top5, names, _ = _classify(repo, photos / "bus.jpg", name)
    assert top5.index(874) + 1 == TROLLEYBUS_RANK[name] and "trolleybus" in names, names
