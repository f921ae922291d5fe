"""The seed's design, rebuilt as a baseline: Flask + the TensorFlow SavedModel + PIL.

The classification code is the Colab's ("Image classification with TensorFlow Hub"): PIL decode,
``tf.image.convert_image_dtype``, ``tf.image.resize_with_pad``, the SavedModel called as
``model(images)``, ``tf.nn.softmax`` and ``tf.argsort`` for the top 5. Served by gunicorn with ONE
sync worker: one request at a time, as the seed's Flask server.

Environment:
  SEED_SAVED_MODEL  the TF Hub-format SavedModel: a folder or a .tar.gz (unpacked at start)
  SEED_MODEL_DIR    the prepared model folder whose labels.txt and model.json give the class names
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from flask import Flask, jsonify, request  # noqa: E402
from PIL import Image  # noqa: E402


def saved_model_folder(path: Path) -> Path:
    """The SavedModel folder: ``path`` itself, or a temporary folder ``path`` (a .tar.gz) is unpacked into."""
    if path.is_dir():
        return path
    target = Path(tempfile.mkdtemp(prefix="seed-savedmodel-"))
    with tarfile.open(path) as archive:
        archive.extractall(target, filter="data")
    return target


def load_labels(model_dir: Path) -> tuple[list[str], int, int]:
    """Class names, label offset and input size from a prepared model folder (labels.txt, model.json)."""
    metadata = json.loads((model_dir / "model.json").read_text())
    labels = (model_dir / metadata["labels"]["file"]).read_text().splitlines()
    return labels, int(metadata["labels"]["offset"]), int(metadata["input"]["height"])


def load_image(data: bytes, image_size: int) -> tf.Tensor:
    """The Colab's ``load_image``: PIL decode, [1, H, W, 3], convert_image_dtype, resize_with_pad."""
    image = np.array(Image.open(io.BytesIO(data)).convert("RGB"))
    img_reshaped = tf.reshape(image, [1, image.shape[0], image.shape[1], image.shape[2]])
    img = tf.image.convert_image_dtype(img_reshaped, tf.float32)
    return tf.image.resize_with_pad(img, image_size, image_size)


MODEL = tf.saved_model.load(str(saved_model_folder(Path(os.environ["SEED_SAVED_MODEL"]))))
CLASSES, OFFSET, IMAGE_SIZE = load_labels(Path(os.environ["SEED_MODEL_DIR"]))
# Warm-up, as the Colab does before timing.
MODEL(tf.zeros([1, IMAGE_SIZE, IMAGE_SIZE, 3]))

app = Flask(__name__)


@app.get("/health")
def health() -> Any:
    """Ready once the module has loaded the model."""
    return jsonify(status="ready")


@app.post("/v1/classify")
def classify() -> Any:
    """Top-5 of the raw image body (or of the multipart part ``image``)."""
    data = request.files["image"].read() if "image" in request.files else request.get_data()
    try:
        image = load_image(data, IMAGE_SIZE)
    except Exception as error:  # PIL raises several types for bad input
        return jsonify(error={"code": "invalid_image", "message": str(error)}), 422
    probabilities = tf.nn.softmax(MODEL(image)).numpy()
    top_5 = tf.argsort(probabilities, axis=-1, direction="DESCENDING")[0][:5].numpy()
    predictions = [
        {"index": int(i), "label": CLASSES[int(i) + OFFSET], "probability": float(probabilities[0][i])}
        for i in top_5
    ]
    return jsonify(predictions=predictions)
