"""Reference tensors for the Swift parity tests (see docs/architecture.md, "Reference tensors")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import ModelEntry
from .errors import ModelNotPreparedError
from .repository import Repository


def write_reference(entry: ModelEntry, repo: Repository, images: list[Path], out: Path) -> dict[str, Any]:
    """Preprocess each image as the Colab does, run the prepared ONNX model, write `out/reference.json` and the tensors."""
    from .preprocess import load_image
    from .verify import onnx_session, probabilities, run_onnx, top_k

    cached = repo.cached(entry)
    if cached is None:
        raise ModelNotPreparedError(
            f"model '{entry.name}' is not prepared in {repo.root}: run `hublot-init prepare {entry.name} --repo {repo.root}` first"
        )
    meta = cached.metadata
    height, width = int(meta["input"]["height"]), int(meta["input"]["width"])
    session = onnx_session(str(cached.path / meta["onnx"]["file"]))
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for image in images:
        batch = load_image(image, height, width)
        probs = probabilities(run_onnx(session, batch), meta["output"]["activation"]).astype(np.float32)
        stem = image.stem
        (out / f"{stem}.input.f32").write_bytes(batch.astype("<f4").tobytes())
        (out / f"{stem}.probs.f32").write_bytes(probs.astype("<f4").tobytes())
        records.append({
            "image": str(image.resolve()), "stem": stem,
            "input": f"{stem}.input.f32", "probabilities": f"{stem}.probs.f32",
            "top5": top_k(probs[0]),
        })
    document = {
        "model": entry.name, "height": height, "width": width,
        "classes": int(meta["output"]["classes"]),
        "runtime": "onnxruntime",
        "onnx_sha256": meta["onnx"]["sha256"],
        "images": records,
    }
    (out / "reference.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document
