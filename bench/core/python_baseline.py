#!/usr/bin/env python3
"""The Python side of the HublotCore benchmark: PIL + TF preprocessing and onnxruntime inference.

Run by ``hublot-bench`` (Sources/hublot-bench) in the same run as the Swift measurements,
with the same model.onnx, the same thread count and the same preprocessed tensors.
Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def median_ms(function: Callable[[], object], iterations: int, warmup: int = 2) -> float:
    """Median wall time of ``function`` in milliseconds."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def preprocessing(photos: list[Path], size: int, threads: int, iterations: int) -> dict[str, float]:
    """PIL decode + tf.image.convert_image_dtype + tf.image.resize_with_pad, per photo (ms)."""
    import tensorflow as tf
    from PIL import Image

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)

    def run(path: Path) -> np.ndarray:
        image = np.array(Image.open(path).convert("RGB"))
        tensor = tf.image.convert_image_dtype(tf.constant(image[np.newaxis]), tf.float32)
        return tf.image.resize_with_pad(tensor, size, size).numpy()

    return {path.name: median_ms(lambda p=path: run(p), iterations) for path in photos}


def inference(model: Path, tensor: np.ndarray, threads: int, iterations: int) -> dict[str, float]:
    """onnxruntime latency at batch 1 (ms) and throughput at batch 8 and 32 (images/s)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    result: dict[str, float] = {}
    for batch in (1, 8, 32):
        data = np.ascontiguousarray(np.resize(tensor, (batch,) + tensor.shape[1:]).astype(np.float32))
        runs = iterations if batch == 1 else max(3, iterations // (batch // 2))
        ms = median_ms(lambda d=data: session.run(None, {name: d}), runs)
        result[f"batch{batch}_ms"] = ms
        result[f"batch{batch}_images_per_s"] = batch * 1000 / ms
    return result


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["inference", "preprocess"], required=True)
    parser.add_argument("--model", type=Path, help="model.onnx (inference)")
    parser.add_argument("--tensor", type=Path, help="float32 [N,H,W,3] written by hublot-bench (inference)")
    parser.add_argument("--size", type=int, required=True, help="model input height = width")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("photos", type=Path, nargs="*", help="photos (preprocess)")
    args = parser.parse_args()

    output: dict[str, object] = {"threads": args.threads}
    if args.part == "inference":
        import onnxruntime

        tensor = np.fromfile(args.tensor, dtype="<f4").reshape(-1, args.size, args.size, 3)
        output["onnxruntime"] = onnxruntime.__version__
        output["inference"] = inference(args.model, tensor, args.threads, args.iterations)
    else:
        import tensorflow as tf

        output["tensorflow"] = tf.__version__
        output["preprocess_ms"] = preprocessing(args.photos, args.size, args.threads, args.iterations)
    json.dump(output, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
