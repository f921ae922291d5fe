"""Convert the exported function to ONNX with tf2onnx."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ConversionError
from .export import INPUT_NAME, OUTPUT_NAME, Exported

OPSET = 17
BATCH_DIM = "N"


@dataclass(frozen=True)
class Converted:
    """The serialised ONNX model and its opset."""

    data: bytes
    opset: int


def convert(exported: Exported, opset: int = OPSET) -> Converted:
    """Freeze the function (variables and captured constants), then tf2onnx `from_graph_def`.

    The graph input is `images` [N, H, W, 3], the output `logits` [N, classes]. Freezing here rather
    than with tf2onnx's `from_function` also folds captured non-variable tensors (e.g. normalisation
    constants some SavedModels capture), which `from_function` would leave as extra graph inputs.
    """
    import tensorflow as tf
    import tf2onnx
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    tf.get_logger().setLevel("ERROR")  # freezing goes through TF1 APIs that print deprecation notices

    try:
        concrete = exported.function.get_concrete_function()
        frozen = convert_variables_to_constants_v2(concrete, lower_control_flow=False, aggressive_inlining=True)
        inputs = [t.name for t in frozen.inputs]
        outputs = [t.name for t in frozen.outputs]
        if len(inputs) != 1 or len(outputs) != 1:
            raise ConversionError(f"expected one input and one output after freezing, got {inputs} -> {outputs}")
        model_proto, _ = tf2onnx.convert.from_graph_def(
            frozen.graph.as_graph_def(), input_names=inputs, output_names=outputs, opset=opset
        )
    except ConversionError:
        raise
    except Exception as error:  # noqa: BLE001 - tf2onnx raises many types
        raise ConversionError(f"tf2onnx could not convert the model: {error}") from error
    _rename(model_proto, model_proto.graph.input[0].name, INPUT_NAME)
    _rename(model_proto, model_proto.graph.output[0].name, OUTPUT_NAME)
    for value in (model_proto.graph.input[0], model_proto.graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = BATCH_DIM
    return Converted(data=model_proto.SerializeToString(), opset=opset)


def _rename(model_proto: object, old: str, new: str) -> None:
    if old == new:
        return
    graph = model_proto.graph  # type: ignore[attr-defined]
    for node in graph.node:
        node.input[:] = [new if name == old else name for name in node.input]
        node.output[:] = [new if name == old else name for name in node.output]
    for value in list(graph.input) + list(graph.output):
        if value.name == old:
            value.name = new
