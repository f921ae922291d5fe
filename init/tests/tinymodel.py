"""A tiny TF Hub-style classifier (conv + pooling + dense, 1001 outputs) for offline tests."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

TINY_SIZE = 32
TINY_CLASSES = 1001


def build_saved_model(folder: Path, classes: int = TINY_CLASSES, variant: str = "call") -> Path:
    """Save a small SavedModel callable as `model(images)` (float32 [N, H, W, 3] in [0, 1]) into `folder`.

    `variant`: "call" (a TF2 hub classifier), "signature" (only a `serving_default` signature, no
    `__call__`), "flat" (returns [N], not [N, classes]).
    """
    import tensorflow as tf

    rng = np.random.default_rng(7)

    class Tiny(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = tf.Variable(rng.normal(0, 0.5, (3, 3, 3, 8)).astype(np.float32))
            self.conv2 = tf.Variable(rng.normal(0, 0.3, (3, 3, 8, 16)).astype(np.float32))
            self.dense = tf.Variable(rng.normal(0, 1.0, (16, classes)).astype(np.float32))
            self.bias = tf.Variable(rng.normal(0, 0.5, (classes,)).astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
        def __call__(self, images: tf.Tensor) -> tf.Tensor:
            x = tf.nn.relu(tf.nn.conv2d(images, self.conv1, strides=2, padding="SAME"))
            x = tf.nn.relu(tf.nn.conv2d(x, self.conv2, strides=2, padding="SAME"))
            x = tf.reduce_mean(x, axis=[1, 2])
            return tf.matmul(x, self.dense) * 4.0 + self.bias

    tiny = Tiny()
    if variant == "call":
        tf.saved_model.save(tiny, str(folder))
    elif variant == "signature":
        holder = tf.Module()
        holder.net = tiny
        holder.classify = tf.function(lambda pixels: {"scores": tiny(pixels)},
                                      input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
        tf.saved_model.save(holder, str(folder), signatures={"serving_default": holder.classify})
    elif variant == "flat":
        holder = tf.Module()
        holder.net = tiny
        holder.__call__ = tf.function(lambda images: tf.reduce_sum(tiny(images), axis=1),
                                      input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
        tf.saved_model.save(holder, str(folder))
    else:
        raise ValueError(variant)
    return folder


def archive(folder: Path) -> bytes:
    """A TF Hub-format archive: tar.gz with saved_model.pb and variables/ at its root."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buffer.getvalue()
