"""The int8 entry `<name>_int8`: the prepared fp32 model quantized, evaluated against it, then published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from . import __version__
from .calibration_set import CALIBRATION_PHOTOS, EVALUATION_PHOTOS, VIEWS, batch, samples
from .catalog import ModelEntry
from .errors import ModelNotPreparedError
from .prepare import Outcome, publish, require_tensorflow, sha256
from .progress import Steps
from .quantize import ACTIVATIONS, DEFAULT_MIN_TOP1_AGREEMENT, METHOD, WEIGHTS, check, evaluate, quantize
from .repository import (
    LABELS_TXT, MODEL_ONNX, PRECISION_KEY, QUANTIZATION_KEY, VERSION_KEY, CachedModel, Repository, int8_name,
    model_version,
)


def prepare_int8(entry: ModelEntry, repo: Repository, *, force: bool = False,
                 min_top1_agreement: float = DEFAULT_MIN_TOP1_AGREEMENT, steps: Steps | None = None) -> Outcome:
    """Quantize the prepared fp32 model of `entry` into `<repo>/<name>_int8`; returns at once when that
    entry exists for the same fp32 model.onnx. The fp32 model must be prepared (`precision.prepare`)."""
    name = int8_name(entry.name)
    steps = steps or Steps(name)
    fp32 = repo.cached(entry)
    if fp32 is None:
        raise ModelNotPreparedError(f"{entry.name} is not prepared in {repo.root}: int8 quantizes it (prepare it first)")
    source = fp32.metadata["onnx"]["sha256"]
    if not force:
        cached = _cached(entry, repo, source, min_top1_agreement)
        if cached is not None:
            steps.say(f"cached     {cached.path} ({steps.total():.2f} s)")
            return Outcome(name, "cached", cached.path, steps.total())
    repo.ensure_writable()
    with repo.lock(name):
        repo.remove_stale_temporaries(name)
        if not force:
            cached = _cached(entry, repo, source, min_top1_agreement)
            if cached is not None:
                steps.say(f"cached     {cached.path} (prepared by another process, {steps.total():.2f} s)")
                return Outcome(name, "cached", cached.path, steps.total())
        path = _build(name, fp32, repo, min_top1_agreement, steps)
    steps.say(f"prepared   {path} in {steps.total():.2f} s")
    return Outcome(name, "prepared", path, steps.total())


def _cached(entry: ModelEntry, repo: Repository, source: str, min_top1_agreement: float) -> CachedModel | None:
    """The published int8 entry when it was quantized from the fp32 model.onnx `source` and its recorded
    top-1 agreement meets the threshold asked for now (else it is made again, and fails the same way)."""
    cached = repo.cached(entry, source_sha256=source)
    if cached is None:
        return None
    try:
        agreement = float(cached.metadata[QUANTIZATION_KEY]["evaluation"]["top1_agreement"])
    except (KeyError, TypeError, ValueError):
        return None
    return cached if agreement >= min_top1_agreement else None


def _build(name: str, fp32: CachedModel, repo: Repository, min_top1_agreement: float, steps: Steps) -> Path:
    import onnx
    import onnxruntime

    meta = fp32.metadata
    height, width, input_name = meta["input"]["height"], meta["input"]["width"], meta["input"]["name"]
    fp32_bytes = (fp32.path / meta["onnx"]["file"]).read_bytes()
    with steps.step("import"):
        require_tensorflow()  # the model's own preprocessing is TensorFlow's resize_with_pad
    calibration, evaluation = samples(CALIBRATION_PHOTOS), samples(EVALUATION_PHOTOS)
    steps.say(f"calibrating {len(calibration)} images ({len(CALIBRATION_PHOTOS)} photos x {len(VIEWS)} views)…")
    with steps.step("quantize"):
        int8_bytes = quantize(fp32_bytes, batch(calibration, height, width), input_name)
    steps.say(f"evaluating {len(evaluation)} images ({len(EVALUATION_PHOTOS)} other photos x {len(VIEWS)} views)…")
    with steps.step("evaluate"):
        figures = evaluate(fp32_bytes, int8_bytes, batch(evaluation, height, width),
                           [s.name for s in evaluation], meta["output"]["activation"])
    steps.say(
        f"agreement  top-1 {figures.top1_agreement:.1f} % (minimum {min_top1_agreement:g} %), top-5 overlap "
        f"{figures.top5_overlap:.1f} %, max |Δp| {figures.max_abs_dp:.3f}, mean |Δp| {figures.mean_abs_dp:.2e}"
    )
    check(figures, min_top1_agreement)
    with steps.step("write"):
        digest = sha256(int8_bytes)
        version = model_version(repo.published(name), digest)  # the lock is held: no other writer
        opset = max((o.version for o in onnx.load_from_string(int8_bytes).opset_import if o.domain in ("", "ai.onnx")),
                    default=meta["onnx"].get("opset"))
        metadata: dict[str, Any] = {
            **meta,
            "name": name,
            VERSION_KEY: version,
            "onnx": {"file": MODEL_ONNX, "sha256": digest, "bytes": len(int8_bytes), "opset": opset},
            "versions": {**meta.get("versions", {}), "hublot_init": __version__, "onnx": onnx.__version__,
                         "onnxruntime": onnxruntime.__version__},
            PRECISION_KEY: "int8",
            "source_model": meta["name"],
            QUANTIZATION_KEY: {
                "method": METHOD,
                "weights": WEIGHTS,
                "activations": ACTIVATIONS,
                "source_sha256": meta["onnx"]["sha256"],
                "min_top1_agreement": min_top1_agreement,
                "calibration": {"images": len(calibration), "sources": list(CALIBRATION_PHOTOS),
                                "views": [v[0] for v in VIEWS]},
                "evaluation": {**figures.as_json(), "sources": list(EVALUATION_PHOTOS)},
            },
            "prepared_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        final = publish(repo, name, int8_bytes, (fp32.path / LABELS_TXT).read_bytes(), metadata)
    steps.say(f"version    {version} (model.onnx sha256 {digest[:12]}…)")
    return final
