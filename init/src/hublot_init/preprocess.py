"""The Colab's image preprocessing: RGB float [0, 1], then `tf.image.resize_with_pad`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import ImageError


def decode(path: Path) -> np.ndarray:
    """Decode an image file to an [H, W, 3] uint8 or uint16 array (grayscale stacked, alpha dropped).

    Like the Colab (PIL `Image.open` + `np.array`), the EXIF orientation is not applied.
    """
    try:
        with Image.open(path) as image:
            image.load()
            return to_rgb_array(image)
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise ImageError(f"cannot read image {path}: {error}") from error


def to_rgb_array(image: Image.Image) -> np.ndarray:
    """A PIL image as [H, W, 3] integers; 16-bit grayscale keeps 16 bits."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        gray = np.array(image).astype(np.uint16) if image.mode != "I" else np.clip(np.array(image), 0, 65535).astype(np.uint16)
        return np.stack([gray, gray, gray], axis=-1)
    if image.mode in ("L", "LA", "1"):
        gray = np.array(image.convert("L"))
        return np.stack([gray, gray, gray], axis=-1)
    if image.mode != "RGB":
        image = image.convert("RGBA").convert("RGB") if "A" in image.mode or image.mode == "P" else image.convert("RGB")
    return np.array(image)


def preprocess(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """[H, W, 3] integers -> float32 [1, height, width, 3] in [0, 1], as the Colab's `load_image` does."""
    import tensorflow as tf

    image = tf.reshape(tf.constant(pixels), [1, *pixels.shape])
    image = tf.image.convert_image_dtype(image, tf.float32)
    image = tf.image.resize_with_pad(image, height, width)
    return image.numpy().astype(np.float32)


def load_image(path: Path, height: int, width: int) -> np.ndarray:
    """Decode and preprocess one image file."""
    return preprocess(decode(path), height, width)


def synthetic_images() -> list[tuple[str, np.ndarray]]:
    """Deterministic test pictures (smooth colour fields of several shapes) for a parity check with no photos."""
    rng = np.random.default_rng(20261127)
    pictures: list[tuple[str, np.ndarray]] = []
    for name, (h, w) in {"synthetic-landscape": (300, 400), "synthetic-portrait": (500, 375), "synthetic-square": (256, 256)}.items():
        coarse = rng.uniform(0, 255, size=(h // 32 + 2, w // 32 + 2, 3))
        y = np.linspace(0, coarse.shape[0] - 1.001, h)
        x = np.linspace(0, coarse.shape[1] - 1.001, w)
        y0, x0 = y.astype(int), x.astype(int)
        fy, fx = (y - y0)[:, None, None], (x - x0)[None, :, None]
        field = (
            coarse[y0][:, x0] * (1 - fy) * (1 - fx)
            + coarse[y0 + 1][:, x0] * fy * (1 - fx)
            + coarse[y0][:, x0 + 1] * (1 - fy) * fx
            + coarse[y0 + 1][:, x0 + 1] * fy * fx
        )
        pictures.append((name, np.clip(field, 0, 255).astype(np.uint8)))
    return pictures
