"""int8: ONNX Runtime static quantization (QDQ) of a prepared fp32 model, and its evaluation against fp32."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import QuantizationError
from .simplify import scalarise_uniform_constants
from .verify import onnx_session, probabilities, run_onnx, top_k

DEFAULT_MIN_TOP1_AGREEMENT = 98.0  # percent of the evaluation images
METHOD = "onnxruntime static QDQ"
WEIGHTS = "int8 per-channel (symmetric)"
# ONNX Runtime's guidance for x86-64 with VNNI (quantize_static's docstring): QUInt8 activations,
# QInt8 weights, reduce_range off.
ACTIVATIONS = "uint8 per-tensor (asymmetric, MinMax calibration)"


@dataclass(frozen=True)
class Evaluation:
    """int8 against fp32 on the same preprocessed evaluation images."""

    images: int
    top1_agreement: float  # percent
    top5_overlap: float  # mean |top5 ∩ top5| / 5, percent
    max_abs_dp: float
    mean_abs_dp: float
    disagreements: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The `quantization.evaluation` object of model.json (without the image list)."""
        return {
            "images": self.images,
            "top1_agreement": self.top1_agreement,
            "top5_overlap": self.top5_overlap,
            "max_abs_dp": self.max_abs_dp,
            "mean_abs_dp": self.mean_abs_dp,
            "top1_disagreements": self.disagreements,
        }


class _Reader:
    """ONNX Runtime's CalibrationDataReader over a preprocessed batch, one image per call."""

    def __init__(self, batch: np.ndarray, input_name: str) -> None:
        self._batch = batch
        self._input = input_name
        self._next = 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self._next >= len(self._batch):
            return None
        self._next += 1
        return {self._input: self._batch[self._next - 1:self._next]}

    def __len__(self) -> int:
        return len(self._batch)

    def __iter__(self) -> _Reader:
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        item = self.get_next()
        if item is None:
            raise StopIteration
        return item


def quantize(fp32: bytes, calibration: np.ndarray, input_name: str) -> bytes:
    """Statically quantize an fp32 ONNX model, calibrated on `calibration` (float32 NHWC batch).

    Deterministic: MinMax calibration over the same images gives the same ranges, and the model is
    serialised with sorted map fields; the same fp32 bytes and images give the same int8 bytes.
    """
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory(prefix="hublot-int8-") as folder:
        source, prepared, target = (Path(folder) / f for f in ("fp32.onnx", "prepared.onnx", "int8.onnx"))
        try:
            model = onnx.load_from_string(fp32)
            scalarise_uniform_constants(model)  # also done by convert; fp32 models prepared before it lack it
            source.write_bytes(model.SerializeToString(deterministic=True))
            # ORT's optimiser first: folds the batch-norm Mul/Add that tf2onnx leaves after the depthwise
            # convolutions into them (top-1 agreement on the evaluation set: 47.5 % without, 90 % with).
            # Symbolic shape inference needs sympy, which the static shapes of these models do not need.
            quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
            quantize_static(
                str(prepared), str(target), _Reader(calibration, input_name),
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                reduce_range=False,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                calibrate_method=CalibrationMethod.MinMax,
                calibration_providers=["CPUExecutionProvider"],
            )
            model = onnx.load(str(target))
        except Exception as error:  # noqa: BLE001 - ORT's quantizer raises many types
            raise QuantizationError(f"ONNX Runtime could not quantize the model: {error}") from error
    return model.SerializeToString(deterministic=True)


def evaluate(fp32: bytes, int8: bytes, batch: np.ndarray, names: list[str], activation: str) -> Evaluation:
    """Run both models on the same images and compare their probabilities."""
    p32 = probabilities(run_onnx(onnx_session(fp32), batch), activation)
    p8 = probabilities(run_onnx(onnx_session(int8), batch), activation)
    agree = 0
    overlap = 0
    disagreements = []
    for i, name in enumerate(names):
        top32, top8 = top_k(p32[i]), top_k(p8[i])
        overlap += len(set(top32) & set(top8))
        if top32[0] == top8[0]:
            agree += 1
        else:
            disagreements.append({"image": name, "fp32": top32[0], "int8": top8[0]})
    diff = np.abs(p32 - p8)
    return Evaluation(
        images=len(names),
        top1_agreement=100.0 * agree / len(names),
        top5_overlap=100.0 * overlap / (5 * len(names)),
        max_abs_dp=float(diff.max()),
        mean_abs_dp=float(diff.mean()),
        disagreements=disagreements,
    )


def check(evaluation: Evaluation, min_top1_agreement: float) -> None:
    """Raise QuantizationError (with the figures) when top-1 agreement is below the threshold."""
    if evaluation.top1_agreement >= min_top1_agreement:
        return
    lines = "\n".join(f"  {d['image']}: fp32 top-1 {d['fp32']}, int8 top-1 {d['int8']}" for d in evaluation.disagreements)
    raise QuantizationError(
        f"int8 top-1 agreement with fp32 is {evaluation.top1_agreement:.2f} % on {evaluation.images} images, "
        f"below the threshold {min_top1_agreement:g} % (--min-top1-agreement, HUBLOT_INT8_MIN_TOP1_AGREEMENT); top-5 overlap "
        f"{evaluation.top5_overlap:.2f} %, max |Δp| {evaluation.max_abs_dp:.3e}\n{lines}\nNothing was written."
    )
