"""``tf.image.resize_with_pad`` (bilinear, antialias off) for uint8 RGB images, in numpy.

TensorFlow's arithmetic, float32: scale = in / out, source coordinate (i + 0.5) * scale - 0.5,
neighbours floor/ceil clamped to the image, then padding with zeros, the image centred.
Only the rows and columns the output samples are read, so a 2000x1329 photo costs ~1 ms.
"""

from __future__ import annotations

import math

import numpy as np


def _axis(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper source indices and the interpolation weight of each output index."""
    scale = np.float32(in_size) / np.float32(out_size)
    x = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(x)
    lower = np.maximum(floor, 0).astype(np.intp)
    upper = np.minimum(np.ceil(x), in_size - 1).astype(np.intp)
    return lower, upper, (x - floor).astype(np.float32)


def resize_with_pad(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """[H, W, 3] uint8 -> float32 [height, width, 3] in [0, 1], as convert_image_dtype + resize_with_pad."""
    in_h, in_w = pixels.shape[:2]
    ratio = max(np.float32(in_w) / np.float32(width), np.float32(in_h) / np.float32(height))
    out_h_f, out_w_f = np.float32(in_h) / ratio, np.float32(in_w) / ratio
    out_h, out_w = math.floor(out_h_f), math.floor(out_w_f)
    if out_h < 1 or out_w < 1:
        raise ValueError(f"the image ({in_w}x{in_h}) is too thin: it resizes to {out_w}x{out_h}")
    top = max(0, math.floor((height - out_h_f) / 2))
    left = max(0, math.floor((width - out_w_f) / 2))

    y0, y1, wy = _axis(in_h, out_h)
    x0, x1, wx = _axis(in_w, out_w)
    rows0, rows1 = pixels[y0], pixels[y1]
    a, b = rows0[:, x0].astype(np.float32), rows0[:, x1].astype(np.float32)
    c, d = rows1[:, x0].astype(np.float32), rows1[:, x1].astype(np.float32)
    wx = wx[np.newaxis, :, np.newaxis]
    upper = a + (b - a) * wx
    lower = c + (d - c) * wx
    resized = upper + (lower - upper) * wy[:, np.newaxis, np.newaxis]

    out = np.zeros((height, width, 3), np.float32)
    out[top : top + out_h, left : left + out_w] = resized * np.float32(1 / 255)
    return out
