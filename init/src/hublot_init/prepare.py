"""prepare: fetch -> export -> convert -> verify -> write, for one catalog model."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, repository
from .catalog import ModelEntry
from .errors import ImageError, MissingDependencyError
from .labels import label_offset, load_labels
from .progress import Steps
from .repository import (
    LABELS_TXT, MODEL_JSON, MODEL_ONNX, PRECISION_KEY, SCHEMA_VERSION, VERSION_KEY, Repository, model_version,
)

PARITY_IMAGES_ENV = "HUBLOT_PARITY_IMAGES"


@dataclass(frozen=True)
class Outcome:
    """What prepare did for one model."""

    name: str
    status: str  # "cached" | "prepared"
    path: Path
    seconds: float


def parity_image_paths(explicit: list[str] | None) -> list[Path]:
    """`--parity-images`, else `$HUBLOT_PARITY_IMAGES` (os.pathsep-separated), else none (synthetic pictures)."""
    if explicit:
        return [Path(p) for p in explicit]
    configured = os.environ.get(PARITY_IMAGES_ENV, "")
    return [Path(p) for p in configured.split(os.pathsep) if p]


def _parity_batch(paths: list[Path], height: int, width: int) -> tuple[np.ndarray, list[str]]:
    from .preprocess import load_image, preprocess, synthetic_images

    if paths:
        for path in paths:
            if not path.is_file():
                raise ImageError(f"parity image {path} does not exist")
        arrays = [load_image(p, height, width) for p in paths]
        names = [p.name for p in paths]
    else:
        pictures = synthetic_images()
        arrays = [preprocess(pixels, height, width) for _, pixels in pictures]
        names = [name for name, _ in pictures]
    return np.concatenate(arrays, axis=0), names


def _versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import tensorflow as tf
    import tf2onnx

    return {
        "hublot_init": __version__,
        "tensorflow": tf.__version__,
        "tf2onnx": tf2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def _metadata(entry: ModelEntry, version: int, height: int, width: int, classes: int, label_count: int,
              offset: int, onnx_bytes: bytes, digest: str, opset: int, parity: Any) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "name": entry.name,
        VERSION_KEY: version,
        "family": entry.family,
        "handle": entry.handle,
        "input": {
            "name": "images",
            "height": height, "width": width, "channels": 3,
            "layout": "NHWC", "dtype": "float32",
            "value_range": [0.0, 1.0],
            "resize": "resize_with_pad", "interpolation": "bilinear",
            "dynamic_size": entry.dynamic_size,
        },
        "output": {"name": "logits", "classes": classes, "activation": parity.activation},
        "labels": {"file": LABELS_TXT, "count": label_count, "offset": offset, "set": entry.labels.name},
        "onnx": {"file": MODEL_ONNX, "sha256": digest, "bytes": len(onnx_bytes), "opset": opset},
        "versions": _versions(),
        "parity": parity.as_json(),
        PRECISION_KEY: "fp32",
        "prepared_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def prepare_model(entry: ModelEntry, repo: Repository, *, force: bool = False,
                  parity_images: list[Path] | None = None, steps: Steps | None = None) -> Outcome:
    """Prepare one model into `repo`; returns at once (no TensorFlow import) when it is cached."""
    steps = steps or Steps(entry.name)
    if not force:
        cached = repo.cached(entry)
        if cached is not None:
            steps.say(f"cached     {cached.path} ({steps.total():.2f} s)")
            return Outcome(entry.name, "cached", cached.path, steps.total())
    repo.ensure_writable()
    with repo.lock(entry.name):
        repo.remove_stale_temporaries(entry.name)
        if not force:
            cached = repo.cached(entry)  # another process may have prepared it while we waited
            if cached is not None:
                steps.say(f"cached     {cached.path} (prepared by another process, {steps.total():.2f} s)")
                return Outcome(entry.name, "cached", cached.path, steps.total())
        path = _build(entry, repo, parity_images or [], steps)
    steps.say(f"prepared   {path} in {steps.total():.2f} s")
    return Outcome(entry.name, "prepared", path, steps.total())


def require_tensorflow() -> None:
    try:
        import tensorflow  # noqa: F401
        import tensorflow_hub  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError as error:
        raise MissingDependencyError(
            f"{error.name or error} is not installed; preparing a model needs TensorFlow: "
            "pip install tensorflow-cpu, then pip install --no-deps tensorflow-hub tf-keras (see init/README.md)"
        ) from error


def _build(entry: ModelEntry, repo: Repository, parity_images: list[Path], steps: Steps) -> Path:
    from . import convert, export, fetch, verify

    height = width = entry.image_size
    with steps.step("labels"):
        labels = load_labels(entry.labels, repo.labels_cache)
    steps.say(f"handle     {entry.handle}")
    with steps.step("import"):
        require_tensorflow()
    folder = fetch.cache_folder(repo.tfhub_cache, entry.handle)
    already = folder.is_dir() and any(folder.iterdir())
    with steps.step("fetch"):
        fetch.clear_stale_download(repo.tfhub_cache, entry.handle)
        model = fetch.fetch(entry.handle, repo.tfhub_cache)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    steps.say(f"savedmodel {folder} ({size:.1f} MB, {'already in the cache' if already else 'downloaded'})")
    with steps.step("export"):
        exported = export.export(model, height, width)
    offset = label_offset(len(labels), exported.classes)
    with steps.step("convert"):
        converted = convert.convert(exported)
    with steps.step("verify"):
        batch, names = _parity_batch(parity_images, height, width)
        parity = verify.check(exported.function, converted.data, batch, names)
    steps.say(
        f"parity     max |Δp| {parity.max_abs_diff_probability:.2e}, top-5 agree on {len(names)} images "
        f"({', '.join(names)})"
    )
    with steps.step("write"):
        digest = sha256(converted.data)
        version = model_version(repo.published(entry.name), digest)  # the lock is held: no other writer
        metadata = _metadata(entry, version, height, width, exported.classes, len(labels), offset,
                             converted.data, digest, converted.opset, parity)
        final = publish(repo, entry.name, converted.data, ("\n".join(labels) + "\n").encode("utf-8"), metadata)
    steps.say(f"version    {version} (model.onnx sha256 {digest[:12]}…)")
    return final


def publish(repo: Repository, name: str, onnx_bytes: bytes, labels: bytes, metadata: dict[str, Any]) -> Path:
    """Write model.onnx, labels.txt and model.json into a staging folder, then publish it as `<repo>/<name>`."""
    with repo.staging(name) as staged:
        try:
            repository.write_bytes(staged / MODEL_ONNX, onnx_bytes)
            repository.write_bytes(staged / LABELS_TXT, labels)
            repository.write_json(staged / MODEL_JSON, metadata)
        except OSError as error:
            mapped = repository.os_error(error, f"{name} into {staged}")
            if mapped is error:
                raise
            raise mapped from error
        return repo.publish(staged, name)


def sha256(data: bytes) -> str:
    """Hex sha256 of bytes."""
    import hashlib

    return hashlib.sha256(data).hexdigest()
