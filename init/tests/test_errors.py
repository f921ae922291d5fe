"""Bad input: a clear message on stderr, a distinct non-zero exit code, nothing written."""

from __future__ import annotations

import errno
import io
import json
import socket
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from initsupport import MODEL_PATH, Env, leftovers, photos_dir, write_catalog

from hublot_init import repository, verify


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _nothing_written(env: Env, name: str = "tiny") -> None:
    assert not (env.model_dir(name) / "model.json").exists()
    assert leftovers(env.repo) == []


def _prefill_labels(env: Env) -> None:
    cache = env.repo / ".labels"
    cache.mkdir(parents=True)
    (cache / "tiny-1k.txt").write_text("\n".join(f"l{i}" for i in range(1001)) + "\n")


def test_unreachable_hub_names_handle_cache_and_prefill(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    _prefill_labels(env)
    env.hub.stop()
    assert env.prepare() == 4
    err = capsys.readouterr().err
    handle = env.hub.url(MODEL_PATH)
    assert f"cannot reach the hub for {handle}" in err
    assert str(env.repo / ".tfhub") in err
    assert "pre-fill the cache" in err and "tf-hub-format=compressed" in err
    _nothing_written(env)


def test_missing_handle_is_reported_with_the_http_status(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    del env.hub.routes[MODEL_PATH]
    assert env.prepare() == 4
    assert "HTTP 404" in capsys.readouterr().err
    _nothing_written(env)


def test_corrupt_archive(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    env.hub.routes[MODEL_PATH] = b"\x1f\x8b this is not a gzip stream at all" * 10
    assert env.prepare() == 5
    err = capsys.readouterr().err
    assert "not a valid TF Hub SavedModel archive" in err
    _nothing_written(env)
    assert [p for p in (env.repo / ".tfhub").iterdir() if p.is_dir()] == []


@pytest.mark.parametrize("source", ["os", "tensorflow"])
def test_disk_full_while_unpacking_is_not_called_a_corrupt_archive(
        env: Env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], source: str) -> None:
    import tensorflow as tf
    import tensorflow_hub as hub

    # TensorFlow's gfile raises its own error type, with only the system's message in it.
    failure: Exception = OSError(errno.ENOSPC, "No space left on device") if source == "os" else \
        tf.errors.ResourceExhaustedError(None, None, "/repo/.tfhub/x.tmp/variables/variables.data; No space left on device")

    def full(handle: str) -> str:
        raise failure

    monkeypatch.setattr(hub, "resolve", full)
    assert env.prepare() == 7
    err = capsys.readouterr().err
    assert "disk full while unpacking" in err and "Nothing was kept" in err
    assert "not a valid" not in err
    _nothing_written(env)


def test_archive_without_a_saved_model(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"hello"
        info = tarfile.TarInfo("README.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    env.hub.routes[MODEL_PATH] = buffer.getvalue()
    assert env.prepare() == 5
    assert "did not load as a SavedModel" in capsys.readouterr().err
    _nothing_written(env)
    # the bad download was removed from the cache: the next attempt downloads again
    assert env.prepare() == 5
    assert env.hub.count(MODEL_PATH) == 2


def test_repository_under_a_file_is_not_writable(env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    env.repo = blocker / "repo"
    assert env.prepare() == 6
    err = capsys.readouterr().err
    assert "cannot write the model repository" in err and "--repo" in err
    assert env.hub.count(MODEL_PATH) == 0


def test_repository_without_permission(env: Env, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(repository.tempfile, "mkstemp", refuse)
    assert env.prepare() == 6
    assert "Permission denied" in capsys.readouterr().err
    assert env.hub.count(MODEL_PATH) == 0


def test_disk_full_during_write_keeps_nothing(env: Env, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    real = repository.write_bytes
    calls: list[Path] = []

    def full_on_second(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            path.write_bytes(data[: len(data) // 2])  # a half-written file, as a real full disk leaves
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(repository, "write_bytes", full_on_second)
    assert env.prepare() == 7
    err = capsys.readouterr().err
    assert "disk full" in err and "Nothing was kept" in err
    assert not env.model_dir().exists()
    _nothing_written(env)


def test_disk_full_keeps_the_previous_version(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    assert env.prepare() == 0
    before = (env.model_dir() / "model.json").read_text()

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(repository, "write_bytes", full)
    assert env.prepare(extra=("--force",)) == 7
    assert (env.model_dir() / "model.json").read_text() == before
    assert leftovers(env.repo) == []


def test_missing_21k_labels(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_free_port()}/bit_models/imagenet21k_wordnet_lemmas.txt"
    catalog = json.loads(env.catalog.read_text())
    catalog["label_sets"]["imagenet-21k"] = {"url": url, "count": 21843}
    catalog["models"].append({"name": "tiny-21k", "family": "tiny", "handle": env.hub.url(MODEL_PATH),
                              "image_size": 32, "labels": "imagenet-21k"})
    env.catalog.write_text(json.dumps(catalog))
    assert env.prepare("tiny-21k") == 8
    err = capsys.readouterr().err
    assert "label file 'imagenet-21k' is missing" in err
    assert url in err and str(env.repo / ".labels" / "imagenet-21k.txt") in err and "offline" in err
    assert env.hub.count(MODEL_PATH) == 0
    _nothing_written(env, "tiny-21k")


def test_labels_prefilled_offline_are_used(env: Env, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/labels.txt"
    env.catalog = write_catalog(tmp_path, env.hub, label_url=url)
    _prefill_labels(env)
    assert env.prepare() == 0
    assert (env.model_dir() / "labels.txt").read_text().splitlines()[1000] == "l1000"


def test_labels_that_do_not_fit_the_model(env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env.hub.files["/short.txt"] = ("\n".join(f"l{i}" for i in range(10)) + "\n").encode()
    catalog = json.loads(env.catalog.read_text())
    catalog["label_sets"]["tiny-1k"] = {"url": env.hub.url("/short.txt"), "count": 10}
    env.catalog.write_text(json.dumps(catalog))
    assert env.prepare() == 8
    assert "1001 outputs but its label file has 10 lines" in capsys.readouterr().err
    _nothing_written(env)


def test_parity_failure_shows_the_figures(env: Env, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    real = verify.run_onnx

    def drifting(session: object, batch: np.ndarray) -> np.ndarray:
        out = real(session, batch)
        out[:, :] += np.linspace(0, 3, out.shape[1], dtype=np.float32)
        return out

    monkeypatch.setattr(verify, "run_onnx", drifting)
    assert env.prepare() == 9
    err = capsys.readouterr().err
    assert "parity check failed: max |Δprobability| =" in err
    assert "synthetic-square: TF top-5" in err and "Nothing was written" in err
    _nothing_written(env)


def test_missing_parity_image(env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare(extra=("--parity-images", str(tmp_path / "nope.jpg"))) == 12
    assert "nope.jpg does not exist" in capsys.readouterr().err
    _nothing_written(env)


def test_reference_needs_a_prepared_model(env: Env, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = env.run("reference", "--model", "tiny", str(photos_dir() / "cat.jpg"),
                   "--out", str(tmp_path / "ref"), "--repo", str(env.repo))
    assert code == 11
    assert "hublot-init prepare tiny" in capsys.readouterr().err
    assert not (tmp_path / "ref").exists()


def test_reference_rejects_a_file_that_is_not_an_image(env: Env, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert env.prepare() == 0
    bogus = tmp_path / "bogus.jpg"
    bogus.write_bytes(b"not an image")
    code = env.run("reference", "--model", "tiny", str(bogus), "--out", str(tmp_path / "ref"), "--repo", str(env.repo))
    assert code == 12
    assert "cannot read image" in capsys.readouterr().err


def test_model_with_only_a_serving_signature_is_exported(env: Env, tmp_path: Path) -> None:
    from tinymodel import archive, build_saved_model

    env.hub.routes[MODEL_PATH] = archive(build_saved_model(tmp_path / "signature", variant="signature"))
    assert env.prepare() == 0
    assert json.loads((env.model_dir() / "model.json").read_text())["output"]["classes"] == 1001


def test_model_that_is_not_a_classifier(env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tinymodel import archive, build_saved_model

    env.hub.routes[MODEL_PATH] = archive(build_saved_model(tmp_path / "flat", variant="flat"))
    assert env.prepare() == 10
    assert "expected [batch, classes]" in capsys.readouterr().err
    _nothing_written(env)


def test_missing_tensorflow(env: Env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # makes `import tf2onnx` raise ImportError
    assert env.prepare() == 14
    err = capsys.readouterr().err
    assert "tf2onnx is not installed" in err and "init/README.md" in err
    _nothing_written(env)
