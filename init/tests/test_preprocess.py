"""The Colab's preprocessing: RGB float [0, 1], grayscale stacked, alpha dropped, resize_with_pad."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from hublot_init.errors import ImageError
from hublot_init.preprocess import decode, load_image, synthetic_images


def _colab(pixels: np.ndarray, size: int) -> np.ndarray:
    image = tf.image.convert_image_dtype(tf.constant(pixels[None]), tf.float32)
    return tf.image.resize_with_pad(image, size, size).numpy()


def test_rgb_jpeg_matches_the_colab_code() -> None:
    from initsupport import photos_dir

    path = photos_dir() / "cat.jpg"
    pixels = np.array(Image.open(path))
    np.testing.assert_array_equal(load_image(path, 224, 224), _colab(pixels, 224))


def test_grayscale_is_stacked_to_three_channels(tmp_path: Path) -> None:
    gray = (np.arange(40 * 30) % 256).astype(np.uint8).reshape(40, 30)
    Image.fromarray(gray, mode="L").save(tmp_path / "gray.png")
    decoded = decode(tmp_path / "gray.png")
    assert decoded.shape == (40, 30, 3)
    assert (decoded[..., 0] == gray).all() and (decoded[..., 2] == gray).all()
    out = load_image(tmp_path / "gray.png", 64, 64)
    assert out.shape == (1, 64, 64, 3) and out.dtype == np.float32


def test_alpha_is_dropped(tmp_path: Path) -> None:
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 10
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "alpha.png")
    decoded = decode(tmp_path / "alpha.png")
    assert decoded.shape == (20, 20, 3) and (decoded[..., 0] == 200).all() and (decoded[..., 1] == 0).all()


def test_sixteen_bit_grayscale_keeps_its_range(tmp_path: Path) -> None:
    gray = np.full((8, 8), 65535, np.uint16)
    gray[0, 0] = 0
    Image.fromarray(gray).save(tmp_path / "deep.png")
    decoded = decode(tmp_path / "deep.png")
    assert decoded.dtype == np.uint16 and decoded.max() == 65535
    out = load_image(tmp_path / "deep.png", 8, 8)
    assert out.max() == pytest.approx(1.0) and out.min() == pytest.approx(0.0)


def test_padding_keeps_the_aspect_ratio() -> None:
    from initsupport import photos_dir

    out = load_image(photos_dir() / "banana.jpg", 224, 224)  # 1600x1067: bands above and below
    assert (out[0, 0] == 0).all() and (out[0, -1] == 0).all()
    assert out[0, 112].max() > 0


def test_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_text("hello")
    with pytest.raises(ImageError):
        decode(tmp_path / "x.jpg")


def test_synthetic_pictures_are_deterministic() -> None:
    first, second = synthetic_images(), synthetic_images()
    assert [n for n, _ in first] == [n for n, _ in second]
    for (_, a), (_, b) in zip(first, second):
        np.testing.assert_array_equal(a, b)
