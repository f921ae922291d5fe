"""prepare --precision int8|both: the quantized entry NAME_int8, its evaluation, threshold, cache and version."""

from __future__ import annotations

import errno
import json
import socket
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
from initsupport import TINY_LABELS, Env, leftovers, photos_dir

from hublot_init import calibration_set, quantize, repository
from hublot_init.calibration_set import CALIBRATION_PHOTOS, EVALUATION_PHOTOS, VIEWS, photo_path, samples
from hublot_init.catalog import load_catalog
from hublot_init.cli import main
from hublot_init.errors import ModelNotPreparedError
from hublot_init.int8 import prepare_int8
from hublot_init.precision import entries_for, prepare
from hublot_init.preprocess import load_image
from hublot_init.repository import Repository, sha256_file

EVALUATED = len(EVALUATION_PHOTOS) * len(VIEWS)
INT8 = ("--precision", "int8", "--min-top1-agreement", "0")  # the tiny model's random weights: any agreement


def _meta(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "model.json").read_text())


def _resize_in_catalog(env: Env, size: int) -> None:
    catalog = json.loads(env.catalog.read_text())
    catalog["models"][0]["image_size"] = size
    env.catalog.write_text(json.dumps(catalog))


def test_precision_values() -> None:
    assert entries_for("fp32") == ("fp32",)
    assert entries_for("int8") == ("int8",)
    assert entries_for("both") == ("fp32", "int8")
    with pytest.raises(ValueError, match="unknown precision 'int4'"):
        entries_for("int4")


@pytest.mark.parametrize("arguments", [
    ("--precision", "int4"), ("--precision", "INT8"), ("--min-top1-agreement", "most"),
    ("--min-top1-agreement", "-1"), ("--min-top1-agreement", "nan"),
])
def test_bad_precision_options_are_usage_errors(env: Env, arguments: tuple[str, ...],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        env.prepare(extra=arguments)
    assert exit_info.value.code == 2
    assert arguments[0] in capsys.readouterr().err
    assert not env.repo.exists()


def test_help_documents_precision(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["prepare", "--help"])
    out = capsys.readouterr().out
    assert "--precision {fp32,int8,both}" in out and "--min-top1-agreement PERCENT" in out and "NAME_int8" in out


def test_catalog_says_int8_is_available(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog"]) == 0
    assert "int8 (NAME_int8" in capsys.readouterr().out
    assert main(["catalog", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["models"][0]
    assert row["precisions"] == {"fp32": row["name"], "int8": row["name"] + "_int8"}


def test_calibration_and_evaluation_photos_are_disjoint_real_files() -> None:
    assert not set(CALIBRATION_PHOTOS) & set(EVALUATION_PHOTOS)
    calibration, evaluation = samples(CALIBRATION_PHOTOS), samples(EVALUATION_PHOTOS)
    assert len(calibration) == 10 * len(VIEWS) == 80 and len(evaluation) == 6 * len(VIEWS) == 48
    assert {s.photo for s in calibration} == set(CALIBRATION_PHOTOS)
    assert {s.photo for s in evaluation} == set(EVALUATION_PHOTOS)
    readme = (photo_path("chelsea").parent / "README.md").read_text()
    for photo in CALIBRATION_PHOTOS + EVALUATION_PHOTOS:
        path = photo_path(photo)
        assert path.is_file() and path.stat().st_size < 200_000
        assert f"| {photo}.jpg |" in readme  # its source and licence
    shapes = {s.pixels.shape for s in evaluation}
    assert all(len(shape) == 3 and shape[2] == 3 and max(shape[:2]) <= 512 for shape in shapes)


def test_views_are_deterministic() -> None:
    first, again = calibration_set.views("coffee"), calibration_set.views("coffee")
    assert [s.name for s in first] == [s.name for s in again]
    assert all(np.array_equal(a.pixels, b.pixels) for a, b in zip(first, again, strict=True))
    full, mirrored = first[0].pixels, first[1].pixels
    assert np.array_equal(full[:, ::-1], mirrored)
    assert first[2].pixels.shape[0] == round(0.75 * full.shape[0])


def test_int8_prepares_fp32_first_and_writes_its_entry(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=INT8) == 0
    out = capsys.readouterr().out
    assert "[tiny] prepared" in out
    for line in ("[tiny_int8] calibrating 80 images (10 photos x 8 views)…", "[tiny_int8] quantize",
                 f"[tiny_int8] evaluating {EVALUATED} images", "[tiny_int8] evaluate", "[tiny_int8] agreement  top-1",
                 "[tiny_int8] version    1", "[tiny_int8] prepared"):
        assert line in out
    fp32, int8 = _meta(env.model_dir()), _meta(env.model_dir("tiny_int8"))
    assert fp32["precision"] == "fp32" and "quantization" not in fp32
    assert int8["name"] == "tiny_int8" and int8["precision"] == "int8" and int8["source_model"] == "tiny"
    assert int8["version"] == 1
    for key in ("schema_version", "family", "handle", "input", "output", "labels", "parity"):
        assert int8[key] == fp32[key], key  # what the classifier reads, and the fp32 parity figures
    assert set(fp32) - {"precision"} <= set(int8)  # no field removed
    assert int8["onnx"]["sha256"] == sha256_file(env.model_dir("tiny_int8") / "model.onnx")
    assert int8["onnx"]["bytes"] == (env.model_dir("tiny_int8") / "model.onnx").stat().st_size
    quantization = int8["quantization"]
    assert quantization["method"] == "onnxruntime static QDQ"
    assert quantization["weights"] == "int8 per-channel (symmetric)"
    assert quantization["activations"].startswith("uint8")
    assert quantization["source_sha256"] == fp32["onnx"]["sha256"]
    assert quantization["calibration"]["images"] == len(CALIBRATION_PHOTOS) * len(VIEWS) == 80
    assert quantization["calibration"]["sources"] == list(CALIBRATION_PHOTOS)
    evaluation = quantization["evaluation"]
    assert evaluation["images"] == EVALUATED and evaluation["sources"] == list(EVALUATION_PHOTOS)
    assert 0 <= evaluation["top1_agreement"] <= 100 and 0 <= evaluation["top5_overlap"] <= 100
    assert 0 <= evaluation["mean_abs_dp"] <= evaluation["max_abs_dp"] <= 1
    assert len(evaluation["top1_disagreements"]) == round(EVALUATED * (1 - evaluation["top1_agreement"] / 100))
    assert (env.model_dir("tiny_int8") / "labels.txt").read_text().splitlines() == TINY_LABELS
    session = ort.InferenceSession(str(env.model_dir("tiny_int8") / "model.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].name == "images" and session.get_outputs()[0].name == "logits"
    assert session.run(None, {"images": np.zeros((2, 32, 32, 3), np.float32)})[0].shape == (2, 1001)
    assert leftovers(env.repo) == []


def test_int8_entry_name_prepares_fp32_then_int8(env: Env, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`prepare tiny tiny_int8`, as HUBLOT_MODELS spells it in the Compose stack; the threshold from the environment."""
    monkeypatch.setenv("HUBLOT_INT8_MIN_TOP1_AGREEMENT", "0")
    assert env.prepare("tiny", "tiny_int8") == 0
    out = capsys.readouterr().out
    assert out.index("[tiny] prepared") < out.index("[tiny] cached") < out.index("[tiny_int8] prepared")
    assert _meta(env.model_dir("tiny_int8"))["quantization"]["min_top1_agreement"] == 0.0
    monkeypatch.setenv("HUBLOT_INT8_MIN_TOP1_AGREEMENT", "100.1")
    assert env.prepare("tiny_int8", extra=("--min-top1-agreement", "0")) == 0  # the option wins over the environment
    assert "[tiny_int8] cached" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "message"), [
    ("tiny_int4", "unknown model 'tiny_int4'. Did you mean: tiny?"),
    ("nothing_int8", "unknown model 'nothing_int8'"),
])
def test_unknown_entry_names_are_refused_before_any_work(env: Env, name: str, message: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare("tiny", name) == 3
    assert message in capsys.readouterr().err
    assert not env.repo.exists()


@pytest.mark.parametrize("value", ["most", "-1", "nan"])
def test_bad_threshold_in_the_environment_is_refused(env: Env, value: str, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HUBLOT_INT8_MIN_TOP1_AGREEMENT", value)
    assert env.prepare("tiny_int8") == 2
    assert "HUBLOT_INT8_MIN_TOP1_AGREEMENT:" in capsys.readouterr().err
    assert not env.repo.exists()


def test_both_prepares_fp32_then_int8(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=("--precision", "both", "--min-top1-agreement", "0")) == 0
    out = capsys.readouterr().out
    assert out.index("[tiny] prepared") < out.index("[tiny_int8] prepared")
    assert _meta(env.model_dir())["precision"] == "fp32" and _meta(env.model_dir("tiny_int8"))["precision"] == "int8"


def test_second_int8_prepare_does_nothing(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=INT8) == 0
    before = (env.model_dir("tiny_int8") / "model.json").read_text()
    capsys.readouterr()
    assert env.prepare(extra=INT8) == 0
    out = capsys.readouterr().out
    assert "[tiny] cached" in out and "[tiny_int8] cached" in out and "calibrating" not in out
    assert (env.model_dir("tiny_int8") / "model.json").read_text() == before


def test_threshold_not_met_fails_and_publishes_nothing(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=("--precision", "int8", "--min-top1-agreement", "100.1")) == 15
    err = capsys.readouterr().err
    assert "below the threshold 100.1 % (--min-top1-agreement, HUBLOT_INT8_MIN_TOP1_AGREEMENT)" in err and "Nothing was written." in err
    assert not env.model_dir("tiny_int8").exists()
    assert _meta(env.model_dir())["precision"] == "fp32"  # the fp32 model it needed is kept
    assert leftovers(env.repo) == []


def test_cached_entry_below_a_higher_threshold_is_not_cached(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=INT8) == 0
    published = (env.model_dir("tiny_int8") / "model.json").read_text()
    capsys.readouterr()
    assert env.prepare(extra=("--precision", "int8", "--min-top1-agreement", "100.1")) == 15
    captured = capsys.readouterr()
    assert "[tiny_int8] cached" not in captured.out and "below the threshold 100.1 %" in captured.err
    assert (env.model_dir("tiny_int8") / "model.json").read_text() == published
    assert leftovers(env.repo) == []


def test_failed_threshold_keeps_the_published_int8(env: Env, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=INT8) == 0
    published = (env.model_dir("tiny_int8") / "model.json").read_text()
    real = quantize.evaluate

    def worse(*args: Any, **kwargs: Any) -> quantize.Evaluation:
        figures = real(*args, **kwargs)
        return quantize.Evaluation(figures.images, 50.0, figures.top5_overlap, figures.max_abs_dp,
                                   figures.mean_abs_dp, [{"image": "rocket/full", "fp32": 1, "int8": 2}])

    monkeypatch.setattr("hublot_init.int8.evaluate", worse)
    assert env.prepare(extra=("--precision", "int8", "--force", "--min-top1-agreement", "98")) == 15
    err = capsys.readouterr().err
    assert f"int8 top-1 agreement with fp32 is 50.00 % on {EVALUATED} images" in err
    assert "rocket/full: fp32 top-1 1, int8 top-1 2" in err
    assert (env.model_dir("tiny_int8") / "model.json").read_text() == published
    assert leftovers(env.repo) == []


def test_quantizer_failure_publishes_nothing(env: Env, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import onnxruntime.quantization

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(onnxruntime.quantization, "quantize_static", broken)
    assert env.prepare(extra=INT8) == 15
    assert "ONNX Runtime could not quantize the model: unsupported operator" in capsys.readouterr().err
    assert env.model_dir().is_dir() and not env.model_dir("tiny_int8").exists()
    assert leftovers(env.repo) == []


def test_disk_full_while_writing_int8(env: Env, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(repository, "write_bytes", disk_full)
    assert env.prepare(extra=INT8) == 7
    assert "disk full while writing tiny_int8" in capsys.readouterr().err
    assert not env.model_dir("tiny_int8").exists() and leftovers(env.repo) == []


def test_int8_of_a_model_not_prepared_is_refused(tmp_path: Path) -> None:
    repo = Repository(tmp_path / "repo")
    with pytest.raises(ModelNotPreparedError, match="efficientnet_lite0 is not prepared in .*prepare it first"):
        prepare_int8(load_catalog().get("efficientnet_lite0"), repo)
    assert not repo.root.exists()


def test_quantization_is_deterministic(env: Env) -> None:
    assert env.prepare(extra=INT8) == 0
    first = _meta(env.model_dir("tiny_int8"))
    onnx_bytes = (env.model_dir("tiny_int8") / "model.onnx").read_bytes()
    assert env.prepare(extra=(*INT8, "--force")) == 0
    again = _meta(env.model_dir("tiny_int8"))
    assert (env.model_dir("tiny_int8") / "model.onnx").read_bytes() == onnx_bytes
    assert again["version"] == first["version"] == 1
    child = env.spawn("prepare", "tiny", "--repo", str(env.repo), *INT8, "--force")
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    assert "[tiny_int8] version    1" in out
    assert (env.model_dir("tiny_int8") / "model.onnx").read_bytes() == onnx_bytes


def test_new_fp32_model_quantizes_again_with_the_next_version(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=INT8) == 0
    first = _meta(env.model_dir("tiny_int8"))
    _resize_in_catalog(env, 48)
    capsys.readouterr()
    assert env.prepare(extra=("--force",)) == 0  # a new fp32 model.onnx...
    assert env.prepare(extra=INT8) == 0
    out = capsys.readouterr().out
    assert "[tiny] cached" in out and "[tiny_int8] prepared" in out  # ...so its int8 entry is not cached
    second = _meta(env.model_dir("tiny_int8"))
    assert second["quantization"]["source_sha256"] == _meta(env.model_dir())["onnx"]["sha256"]
    assert second["quantization"]["source_sha256"] != first["quantization"]["source_sha256"]
    assert second["input"]["height"] == 48 and second["version"] == 2


def test_int8_entry_with_a_tampered_onnx_is_not_cached(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=INT8) == 0
    onnx_file = env.model_dir("tiny_int8") / "model.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes()[:-10])
    capsys.readouterr()
    assert env.prepare(extra=INT8) == 0
    assert "[tiny_int8] prepared" in capsys.readouterr().out
    assert _meta(env.model_dir("tiny_int8"))["onnx"]["sha256"] == sha256_file(onnx_file)


@pytest.fixture(scope="session")
def lite0_int8(lite0: Path) -> Path:
    """efficientnet_lite0_int8 quantized once from the session's fp32 model (threshold 85 %: see init/README.md),
    with every network connection refused: the embedded default quantizes offline."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access during the int8 prepare: {args}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        outcomes = prepare(load_catalog().get("efficientnet_lite0"), Repository(lite0), "int8", min_top1_agreement=85.0)
    assert [o.status for o in outcomes] == ["cached", "prepared"]
    return lite0 / "efficientnet_lite0_int8"


def test_lite0_int8_end_to_end(lite0: Path, lite0_int8: Path) -> None:
    fp32, int8 = _meta(lite0 / "efficientnet_lite0"), _meta(lite0_int8)
    assert int8["handle"] == "hublot://embedded/efficientnet_lite0" and int8["source_model"] == "efficientnet_lite0"
    assert int8["labels"] == fp32["labels"] and int8["input"] == fp32["input"] and int8["output"] == fp32["output"]
    assert int8["onnx"]["bytes"] < fp32["onnx"]["bytes"] / 3  # int8 weights: 5.1 MB against 18.6 MB
    evaluation = int8["quantization"]["evaluation"]
    assert evaluation["top1_agreement"] >= 85.0 and evaluation["top5_overlap"] >= 80.0
    assert evaluation["mean_abs_dp"] < 1e-3
    assert (lite0_int8 / "labels.txt").read_bytes() == (lite0 / "efficientnet_lite0" / "labels.txt").read_bytes()


@pytest.mark.parametrize(("photo", "accepted"), [
    ("cat.jpg", {281, 282, 285}),
    ("bus.jpg", {874}),
    ("banana.jpg", {954}),
])
def test_lite0_int8_top1_on_the_sample_photos(lite0_int8: Path, photo: str, accepted: set[int]) -> None:
    """The project's photos are in neither set: int8 still names them as fp32 does (test_embedded.py)."""
    session = ort.InferenceSession(str(lite0_int8 / "model.onnx"), providers=["CPUExecutionProvider"])
    logits = session.run(None, {"images": load_image(photos_dir() / photo, 224, 224)})[0][0]
    assert int(np.argmax(logits)) in accepted
