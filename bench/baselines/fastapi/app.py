"""A competent Python server: FastAPI on uvicorn + onnxruntime (official PyPI build) + PIL.

Same model file (the prepared model.onnx) and same preprocessing as Hublot and the Colab: PIL
decode, float [0, 1], ``resize_with_pad`` (bilinear, half-pixel centres, no antialiasing, zero
padding) done in numpy on the 4 source pixels of each output pixel only. Each uvicorn worker
runs its requests one at a time on its event loop; the parallelism comes from the workers and
from ONNX Runtime's intra-op threads (``BENCH_ORT_THREADS``).

Environment:
  BENCH_MODEL_DIR    the prepared model folder (model.onnx, labels.txt, model.json)
  BENCH_ORT_THREADS  ONNX Runtime intra-op threads per worker (default 1)
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image

from resize import resize_with_pad

MODEL_DIR = Path(os.environ["BENCH_MODEL_DIR"])
METADATA = json.loads((MODEL_DIR / "model.json").read_text())
LABELS = (MODEL_DIR / METADATA["labels"]["file"]).read_text().splitlines()
OFFSET = int(METADATA["labels"]["offset"])
HEIGHT, WIDTH = int(METADATA["input"]["height"]), int(METADATA["input"]["width"])
LOGITS = METADATA["output"].get("activation", "logits") == "logits"


def make_session() -> ort.InferenceSession:
    """An ORT CPU session with the configured intra-op threads and every graph optimisation."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(os.environ.get("BENCH_ORT_THREADS", "1"))
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(MODEL_DIR / METADATA["onnx"]["file"]), options, providers=["CPUExecutionProvider"])


SESSION = make_session()
INPUT = SESSION.get_inputs()[0].name
SESSION.run(None, {INPUT: np.zeros((1, HEIGHT, WIDTH, 3), np.float32)})

app = FastAPI()


def top5(data: bytes) -> list[dict[str, object]]:
    """Decode, preprocess, infer, softmax and the 5 best classes of one image."""
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    batch = resize_with_pad(pixels, HEIGHT, WIDTH)[np.newaxis]
    scores = SESSION.run(None, {INPUT: batch})[0][0]
    if LOGITS:
        exp = np.exp(scores - scores.max())
        scores = exp / exp.sum()
    best = np.argsort(-scores)[:5]
    return [{"index": int(i), "label": LABELS[int(i) + OFFSET], "probability": float(scores[i])} for i in best]


@app.get("/health")
async def health() -> dict[str, str]:
    """Ready once the module has loaded the model."""
    return {"status": "ready"}


@app.post("/v1/classify")
async def classify(request: Request) -> JSONResponse:
    """Top-5 of the raw image body."""
    data = await request.body()
    try:
        return JSONResponse({"predictions": top5(data)})
    except (OSError, ValueError) as error:
        return JSONResponse({"error": {"code": "invalid_image", "message": str(error)}}, status_code=422)
