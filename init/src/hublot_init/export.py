"""Export: wrap the hub model in a `tf.function` with a fixed input signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConversionError

INPUT_NAME = "images"
OUTPUT_NAME = "logits"


@dataclass(frozen=True)
class Exported:
    """The serving function: float32 [batch, H, W, 3] in [0, 1] -> [batch, classes]."""

    function: Any  # tf.types.experimental.GenericFunction
    signature: tuple[Any, ...]
    height: int
    width: int
    classes: int


def export(model: Any, height: int, width: int) -> Exported:
    """Trace `model(images)` at [None, height, width, 3] and check it returns [batch, classes]."""
    import tensorflow as tf

    call = model
    if not callable(model) and "serving_default" in getattr(model, "signatures", {}):
        # A SavedModel with a serving signature but no __call__: signatures take keyword arguments.
        signature_fn = model.signatures["serving_default"]
        keyword = next(iter(signature_fn.structured_input_signature[1]))
        call = lambda images: signature_fn(**{keyword: images})  # noqa: E731
    signature = (tf.TensorSpec([None, height, width, 3], tf.float32, name=INPUT_NAME),)

    @tf.function(input_signature=signature)
    def serve(images: tf.Tensor) -> tf.Tensor:
        outputs = call(images)
        if isinstance(outputs, dict):
            outputs = next(iter(outputs.values()))
        return tf.identity(outputs, name=OUTPUT_NAME)

    try:
        concrete = serve.get_concrete_function()
    except Exception as error:  # noqa: BLE001 - tracing errors come in many types
        raise ConversionError(f"the model cannot be called as model(images) at {height}x{width}: {error}") from error
    shape = concrete.structured_outputs.shape
    if shape.rank != 2 or shape[1] is None:
        raise ConversionError(f"the model returns shape {shape}, expected [batch, classes]")
    return Exported(function=serve, signature=signature, height=height, width=width, classes=int(shape[1]))
