"""Parity: TensorFlow and ONNX Runtime on the same preprocessed images."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ParityError

MAX_ABS_DIFF_PROBABILITY = 1e-4
TOP_K = 5


@dataclass(frozen=True)
class Parity:
    """Figures of one parity check, recorded in model.json."""

    images: list[str]
    max_abs_diff_probability: float
    max_abs_diff_output: float
    top5_agree: bool
    activation: str
    tolerance: float = MAX_ABS_DIFF_PROBABILITY
    per_image: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The `parity` object of model.json."""
        return {
            "images": self.images,
            "max_abs_diff_probability": self.max_abs_diff_probability,
            "max_abs_diff_output": self.max_abs_diff_output,
            "top5_agree": self.top5_agree,
            "tolerance": self.tolerance,
            "runtimes": ["tensorflow", "onnxruntime"],
            "per_image": self.per_image,
        }


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64 (as `tf.nn.softmax` in the Colab)."""
    shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def detect_activation(outputs: np.ndarray) -> str:
    """`probabilities` when every row is non-negative and sums to 1, else `logits`."""
    if outputs.min() >= 0.0 and np.allclose(outputs.sum(axis=-1), 1.0, atol=1e-3):
        return "probabilities"
    return "logits"


def probabilities(outputs: np.ndarray, activation: str) -> np.ndarray:
    """Model outputs as probabilities."""
    return outputs.astype(np.float64) if activation == "probabilities" else softmax(outputs)


def top_k(row: np.ndarray, k: int = TOP_K) -> list[int]:
    """Indices of the k largest values, largest first."""
    return [int(i) for i in np.argsort(-row, kind="stable")[:k]]


def onnx_session(model: bytes | str) -> Any:
    """An ONNX Runtime CPU session."""
    import onnxruntime as ort

    return ort.InferenceSession(model, providers=["CPUExecutionProvider"])


def run_onnx(session: Any, batch: np.ndarray) -> np.ndarray:
    """Run the ONNX model on a float32 NHWC batch."""
    name = session.get_inputs()[0].name
    return np.asarray(session.run(None, {name: batch})[0])


def check(tf_function: Any, onnx_model: bytes, batch: np.ndarray, names: list[str],
          tolerance: float = MAX_ABS_DIFF_PROBABILITY) -> Parity:
    """Compare TF and ORT; raise ParityError (with the figures) unless top-5 agree and max |Δp| ≤ tolerance."""
    tf_out = np.asarray(tf_function(batch))
    ort_out = run_onnx(onnx_session(onnx_model), batch)
    activation = detect_activation(tf_out)
    p_tf, p_ort = probabilities(tf_out, activation), probabilities(ort_out, activation)
    per_image = []
    agree = True
    for i, name in enumerate(names):
        tf5, ort5 = top_k(p_tf[i]), top_k(p_ort[i])
        same = set(tf5) == set(ort5) and tf5[0] == ort5[0]
        agree = agree and same
        per_image.append({
            "image": name, "top5_tensorflow": tf5, "top5_onnxruntime": ort5,
            "max_abs_diff_probability": float(np.abs(p_tf[i] - p_ort[i]).max()),
        })
    parity = Parity(
        images=names,
        max_abs_diff_probability=float(np.abs(p_tf - p_ort).max()),
        max_abs_diff_output=float(np.abs(tf_out.astype(np.float64) - ort_out).max()),
        top5_agree=agree,
        activation=activation,
        tolerance=tolerance,
        per_image=per_image,
    )
    if not agree or parity.max_abs_diff_probability > tolerance:
        lines = "\n".join(
            f"  {p['image']}: TF top-5 {p['top5_tensorflow']}, ORT top-5 {p['top5_onnxruntime']}, "
            f"max |Δp| {p['max_abs_diff_probability']:.3e}"
            for p in per_image
        )
        raise ParityError(
            f"parity check failed: max |Δprobability| = {parity.max_abs_diff_probability:.3e} "
            f"(tolerance {tolerance:.0e}), top-5 agree: {agree}\n{lines}\nNothing was written."
        )
    return parity
