#!/usr/bin/env python3
"""Writes the fixtures the HublotCore tests need into OUT_DIR.

- ``models/tiny``: a tiny valid ONNX classifier (8x8 input, 4 classes) with model.json and labels;
- ``models/corrupt``: a model folder whose model.onnx is garbage;
- ``models/broken-json``: a model folder whose model.json is not JSON;
- ``images/``: good and bad images (empty, truncated, text, GIF, 1x1, oversized headers,
  16-bit, palette, grayscale, alpha, CMYK, too thin);
- ``tf/``: TensorFlow's preprocessing (convert_image_dtype + resize_with_pad) of the
  synthetic images, float32 little-endian, with ``tf/index.json``.

Usage: make_core_fixtures.py OUT_DIR CAT_JPEG
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper
from PIL import Image

TINY_SIZE = 8
TINY_CLASSES = 4


def write_tiny_model(folder: Path, softmax: bool = False) -> None:
    """A model: mean over H and W, then a 3x4 matrix: logits [N, 4] (or their softmax)."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = np.array([[4.0, -2.0, 0.5, 1.0], [-3.0, 5.0, 0.5, 1.0], [1.0, -1.0, 6.0, 1.0]], dtype=np.float32)
    bias = np.array([0.1, 0.2, -0.3, 0.0], dtype=np.float32)
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2], keepdims=0),
        helper.make_node("MatMul", ["mean", "w"], ["mm"]),
        helper.make_node("Add", ["mm", "b"], ["raw" if softmax else "logits"]),
    ]
    if softmax:
        nodes.append(helper.make_node("Softmax", ["raw"], ["logits"], axis=-1))
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", TINY_SIZE, TINY_SIZE, 3])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", TINY_CLASSES])],
        [onnx.numpy_helper.from_array(weights, "w"), onnx.numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, folder / "model.onnx")
    (folder / "labels.txt").write_text("background\nred\ngreen\nblue\nwhite\n", encoding="utf-8")
    metadata = model_json(folder.name, TINY_CLASSES)
    if softmax:
        metadata["output"] = {"name": "logits", "classes": TINY_CLASSES, "activation": "probabilities"}
    (folder / "model.json").write_text(json.dumps(metadata), encoding="utf-8")


def model_json(name: str, classes: int) -> dict[str, object]:
    """A schema-1 model.json for an 8x8 model."""
    return {
        "schema_version": 1,
        "name": name,
        "family": "test",
        "handle": "https://example.invalid/" + name,
        "input": {
            "name": "images", "height": TINY_SIZE, "width": TINY_SIZE, "channels": 3,
            "layout": "NHWC", "dtype": "float32", "value_range": [0.0, 1.0],
            "resize": "resize_with_pad", "interpolation": "bilinear", "dynamic_size": False,
        },
        "output": {"name": "logits", "classes": classes, "activation": "logits"},
        "labels": {"file": "labels.txt", "count": classes + 1, "offset": 1, "set": "test"},
        "onnx": {"file": "model.onnx", "opset": 17},
    }


def write_bad_models(models: Path) -> None:
    """A model with a garbage ONNX file and one with broken JSON."""
    corrupt = models / "corrupt"
    corrupt.mkdir(parents=True, exist_ok=True)
    (corrupt / "model.onnx").write_bytes(b"this is not an ONNX protobuf\x00\x01\x02" * 10)
    (corrupt / "labels.txt").write_text("background\na\nb\nc\nd\n", encoding="utf-8")
    (corrupt / "model.json").write_text(json.dumps(model_json("corrupt", TINY_CLASSES)), encoding="utf-8")
    broken = models / "broken-json"
    broken.mkdir(parents=True, exist_ok=True)
    (broken / "model.json").write_text("{ not json", encoding="utf-8")
    short = models / "short-labels"
    short.mkdir(parents=True, exist_ok=True)
    (short / "labels.txt").write_text("background\nred\n", encoding="utf-8")
    (short / "model.json").write_text(json.dumps(model_json("short-labels", TINY_CLASSES)), encoding="utf-8")
    future = models / "future-schema"
    future.mkdir(parents=True, exist_ok=True)
    (future / "labels.txt").write_text("background\na\nb\nc\nd\n", encoding="utf-8")
    (future / "model.json").write_text(json.dumps({**model_json("future-schema", TINY_CLASSES), "schema_version": 2}), encoding="utf-8")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_16bit_rgb(pixels: np.ndarray) -> bytes:
    """A 16-bit RGB PNG (Pillow cannot write one)."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].astype(">u2").tobytes() for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


def png_huge_header(width: int, height: int, bit_depth: int = 8) -> bytes:
    """A PNG whose valid IHDR announces a huge image, followed by a tiny IDAT."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + png_chunk(b"IEND", b"")


def jpeg_with_size(jpeg: bytes, width: int, height: int) -> bytes:
    """Rewrites the frame size in a baseline JPEG's SOF0 marker."""
    data = bytearray(jpeg)
    position = data.find(b"\xff\xc0")
    if position < 0:
        raise ValueError("no SOF0 marker")
    struct.pack_into(">HH", data, position + 5, height, width)
    return bytes(data)


def with_many_scans(progressive: bytes, copies: int) -> bytes:
    """A progressive JPEG whose last scan is repeated `copies` times: a CPU bomb (issue 14)."""
    last = progressive.rfind(b"\xff\xda")
    end = progressive.rfind(b"\xff\xd9")
    return progressive[:end] + progressive[last:end] * copies + progressive[end:]


def with_extraneous_bytes(jpeg: bytes) -> bytes:
    """Inserts garbage before the SOS marker: libjpeg warns "extraneous bytes before marker 0xda"."""
    position = jpeg.find(b"\xff\xda")
    return jpeg[:position] + b"\x00\x00\x00" + jpeg[position:]


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """Encodes a Pillow image."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def synthetic(width: int, height: int, seed: int) -> np.ndarray:
    """A smooth-plus-noise RGB test pattern."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / max(width - 1, 1), y * 255 / max(height - 1, 1), (x + y) % 256], axis=-1)
    return np.clip(base + rng.integers(-40, 40, base.shape), 0, 255).astype(np.uint8)


def write_images(images: Path, cat: bytes) -> dict[str, np.ndarray]:
    """Writes every image fixture; returns the RGB arrays TensorFlow should see for the good ones."""
    images.mkdir(parents=True, exist_ok=True)
    rgb = synthetic(37, 23, 1)
    gray = synthetic(19, 31, 2)[:, :, 0]
    palette_source = Image.fromarray(synthetic(16, 12, 3)).quantize(colors=16)
    rgba = np.dstack([synthetic(21, 21, 4), np.linspace(0, 255, 21 * 21).reshape(21, 21).astype(np.uint8)])
    rgb16 = (synthetic(13, 9, 5).astype(np.uint16) * 257 + 3).clip(0, 65535)
    expected = {
        "rgb.png": rgb,
        "gray.png": np.dstack([gray] * 3),
        "palette.png": np.asarray(palette_source.convert("RGB")),
        "rgba.png": rgba[:, :, :3],
        "one.png": np.array([[[200, 10, 30]]], dtype=np.uint8),
        "tall.png": synthetic(6, 40, 6),
        "wide.png": synthetic(50, 7, 7),
    }
    files: dict[str, bytes] = {
        "rgb.png": encode(Image.fromarray(rgb), "PNG"),
        "gray.png": encode(Image.fromarray(gray, "L"), "PNG"),
        "palette.png": encode(palette_source, "PNG"),
        "rgba.png": encode(Image.fromarray(rgba, "RGBA"), "PNG"),
        "one.png": encode(Image.fromarray(expected["one.png"]), "PNG"),
        "tall.png": encode(Image.fromarray(expected["tall.png"]), "PNG"),
        "wide.png": encode(Image.fromarray(expected["wide.png"]), "PNG"),
        "rgb16.png": png_16bit_rgb(rgb16),
        "interlaced16.png": png_16bit_rgb(rgb16),
        "one.jpg": encode(Image.fromarray(expected["one.png"]), "JPEG", quality=95),
        "gray.jpg": encode(Image.fromarray(gray, "L"), "JPEG", quality=95),
        "cmyk.jpg": encode(Image.fromarray(rgb).convert("CMYK"), "JPEG", quality=95),
        "rgb-for-cmyk.png": encode(Image.fromarray(rgb).convert("CMYK").convert("RGB"), "PNG"),
        "thin.png": encode(Image.fromarray(synthetic(1, 1000, 8)), "PNG"),
        "empty.jpg": b"",
        "truncated.jpg": cat[: len(cat) // 2],
        "text.jpg": b"Hello, this is a text file that somebody named .jpg\n" * 4,
        "image.gif": encode(Image.fromarray(rgb), "GIF"),
        "huge.png": png_huge_header(10_000, 10_000),
        "huge.jpg": jpeg_with_size(encode(Image.fromarray(rgb), "JPEG"), 60_000, 60_000),
        "truncated.png": encode(Image.fromarray(rgb), "PNG")[:60],
        "rgb.jpg": encode(Image.fromarray(rgb), "JPEG", quality=90),
        "extraneous.jpg": with_extraneous_bytes(encode(Image.fromarray(rgb), "JPEG", quality=90)),
        # Memory bomb under the pixel limit: 6324×6324 (40.0 MP) at 16 bits decodes to ~560 MB.
        "bomb16.png": png_huge_header(6324, 6324, bit_depth=16),
        "bomb8.png": png_huge_header(6324, 6324),
        "progressive.jpg": encode(Image.fromarray(rgb), "JPEG", quality=90, progressive=True),
        "scans.jpg": with_many_scans(encode(Image.fromarray(rgb), "JPEG", quality=90, progressive=True), 500),
    }
    del files["interlaced16.png"]
    for name, data in files.items():
        (images / name).write_bytes(data)
    expected["rgb16.png"] = rgb16  # 16-bit values, scaled by 1/65535 below
    return expected


def write_tf_references(out: Path, expected: dict[str, np.ndarray], cat_path: Path) -> None:
    """TensorFlow's preprocessing of the good synthetic images, at 8x8 and 224x224."""
    import tensorflow as tf

    folder = out / "tf"
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for name, pixels in expected.items():
        tensor = tf.image.convert_image_dtype(tf.constant(pixels[np.newaxis]), tf.float32)
        for size in (TINY_SIZE, 224):
            result = tf.image.resize_with_pad(tensor, size, size).numpy().astype("<f4")
            file = f"{name}.{size}.f32"
            result.tofile(folder / file)
            index.append({"image": name, "size": size, "file": file})
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")


def main(argv: list[str]) -> int:
    """Entry point."""
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    out, cat_path = Path(argv[1]), Path(argv[2])
    write_tiny_model(out / "models" / "tiny")
    write_tiny_model(out / "models" / "tiny-probabilities", softmax=True)
    write_bad_models(out / "models")
    expected = write_images(out / "images", cat_path.read_bytes())
    write_tf_references(out, expected, cat_path)
    (out / "READY").write_text("ok\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
