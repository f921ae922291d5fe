"""prepare against a fake tfhub.dev: one download, conversion, cache, idempotence."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pytest
from initsupport import MODEL_PATH, TINY_LABELS, Env, leftovers, photos_dir

from hublot_init.repository import sha256_file


def test_prepare_downloads_once_converts_and_writes_the_contract(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0
    out = capsys.readouterr().out
    for step in ("labels", "import", "fetch", "export", "convert", "verify", "write"):
        assert f"[tiny] {step}" in out
    assert f"Downloaded {env.hub.url(MODEL_PATH)}, Total size:" in out  # tensorflow_hub's progress, as a line
    assert env.hub.count(MODEL_PATH) == 1
    folder = env.model_dir()
    meta = json.loads((folder / "model.json").read_text())
    assert meta["schema_version"] == 1 and meta["name"] == "tiny"
    assert meta["handle"] == env.hub.url(MODEL_PATH)
    assert meta["input"] == {
        "name": "images", "height": 32, "width": 32, "channels": 3, "layout": "NHWC", "dtype": "float32",
        "value_range": [0.0, 1.0], "resize": "resize_with_pad", "interpolation": "bilinear", "dynamic_size": False,
    }
    assert meta["output"] == {"name": "logits", "classes": 1001, "activation": "logits"}
    assert meta["labels"] == {"file": "labels.txt", "count": 1001, "offset": 0, "set": "tiny-1k"}
    assert meta["onnx"]["opset"] >= 17
    assert meta["onnx"]["sha256"] == sha256_file(folder / "model.onnx")
    assert meta["onnx"]["bytes"] == (folder / "model.onnx").stat().st_size
    assert set(meta["versions"]) == {"hublot_init", "tensorflow", "tf2onnx", "onnx", "onnxruntime"}
    assert meta["parity"]["top5_agree"] is True
    assert meta["parity"]["max_abs_diff_probability"] <= 1e-4
    assert meta["parity"]["images"] == ["synthetic-landscape", "synthetic-portrait", "synthetic-square"]
    assert (folder / "labels.txt").read_text().splitlines() == TINY_LABELS
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].name == "images" and session.get_outputs()[0].name == "logits"
    result = session.run(None, {"images": np.zeros((2, 32, 32, 3), np.float32)})[0]
    assert result.shape == (2, 1001)
    sha1 = hashlib.sha1(env.hub.url(MODEL_PATH).encode()).hexdigest()
    assert (env.repo / ".tfhub" / sha1 / "saved_model.pb").is_file()
    assert leftovers(env.repo) == []


def test_second_prepare_is_cached_with_zero_requests(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0
    before = (env.model_dir() / "model.json").read_text()
    capsys.readouterr()
    assert env.prepare() == 0
    assert "[tiny] cached" in capsys.readouterr().out
    assert env.hub.count(MODEL_PATH) == 1
    assert (env.model_dir() / "model.json").read_text() == before


def test_cached_prepare_works_with_the_server_stopped_and_without_tensorflow(env: Env) -> None:
    assert env.prepare() == 0
    env.hub.stop()
    code = (
        "import sys, time; from hublot_init.cli import main; t = time.monotonic(); "
        f"rc = main(['--catalog', {str(env.catalog)!r}, 'prepare', 'tiny', '--repo', {str(env.repo)!r}]); "
        "print('tensorflow imported' if 'tensorflow' in sys.modules else 'tensorflow not imported'); "
        "print(f'elapsed {time.monotonic() - t:.3f} s'); sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "[tiny] cached" in done.stdout
    assert "tensorflow not imported" in done.stdout


def test_force_prepares_again_from_the_tfhub_cache(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0
    first = json.loads((env.model_dir() / "model.json").read_text())["prepared_at"]
    env.hub.stop()
    capsys.readouterr()
    assert env.prepare(extra=("--force",)) == 0
    assert "[tiny] prepared" in capsys.readouterr().out
    assert env.hub.count(MODEL_PATH) == 1
    assert json.loads((env.model_dir() / "model.json").read_text())["prepared_at"] >= first
    assert leftovers(env.repo) == []


def test_tampered_onnx_is_not_cached(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0
    onnx_file = env.model_dir() / "model.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes()[:-10])
    capsys.readouterr()
    assert env.prepare() == 0
    assert "[tiny] prepared" in capsys.readouterr().out
    meta = json.loads((env.model_dir() / "model.json").read_text())
    assert meta["onnx"]["sha256"] == sha256_file(onnx_file)


def test_handle_change_in_catalog_is_not_cached(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0
    catalog = json.loads(env.catalog.read_text())
    env.hub.routes["/google/tiny/classification/2"] = env.hub.routes[MODEL_PATH]
    catalog["models"][0]["handle"] = env.hub.url("/google/tiny/classification/2")
    env.catalog.write_text(json.dumps(catalog))
    capsys.readouterr()
    assert env.prepare() == 0
    assert "[tiny] prepared" in capsys.readouterr().out
    assert env.hub.count("/google/tiny/classification/2") == 1
    assert json.loads((env.model_dir() / "model.json").read_text())["handle"].endswith("/classification/2")


def test_real_parity_images_are_recorded(env: Env) -> None:
    photos = photos_dir()
    images = [str(photos / "cat.jpg"), str(photos / "bus.jpg")]
    assert env.prepare(extra=("--parity-images", *images)) == 0
    parity = json.loads((env.model_dir() / "model.json").read_text())["parity"]
    assert parity["images"] == ["cat.jpg", "bus.jpg"]
    assert len(parity["per_image"]) == 2


def test_parity_images_from_the_environment(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBLOT_PARITY_IMAGES", str(photos_dir() / "banana.jpg"))
    assert env.prepare() == 0
    assert json.loads((env.model_dir() / "model.json").read_text())["parity"]["images"] == ["banana.jpg"]
