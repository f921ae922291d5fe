"""Convert the exported function to ONNX with tf2onnx."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ConversionError
from .export import INPUT_NAME, OUTPUT_NAME, Exported

OPSET = 17
BATCH_DIM = "N"
# tf2onnx names the nodes it inserts `<name>__<n>`, n from a process-wide counter (tf2onnx.utils.make_name).
_GENERATED_SUFFIX = re.compile(r"__(\d+)(:\d+)?$")


@dataclass(frozen=True)
class Converted:
    """The serialised ONNX model and its opset."""

    data: bytes
    opset: int


def convert(exported: Exported, opset: int = OPSET) -> Converted:
    """Freeze the function (variables and captured constants), then tf2onnx `from_graph_def`.

    Deterministic: the same exported function gives the same bytes, in this process or another.

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
    _renumber_generated_names(model_proto)
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


def _renumber_generated_names(model_proto: object) -> None:
    """Renumber tf2onnx's `__<n>` suffixes 1, 2, … in order of appearance.

    The counter behind them carries over from earlier conversions in the process, so the same model
    would otherwise convert to other bytes each time; model.json's `version` relies on identical bytes.
    The mapping is one-to-one on numbers and keeps every prefix, so distinct names stay distinct.
    """
    numbers: dict[str, str] = {}

    def renamed(name: str) -> str:
        match = _GENERATED_SUFFIX.search(name)
        if match is None:
            return name
        number = numbers.setdefault(match.group(1), str(len(numbers) + 1))
        return f"{name[:match.start()]}__{number}{match.group(2) or ''}"

    graphs = [model_proto.graph]  # type: ignore[attr-defined]
    while graphs:
        graph = graphs.pop(0)
        for node in graph.node:
            node.name = renamed(node.name)
            node.input[:] = [renamed(name) for name in node.input]
            node.output[:] = [renamed(name) for name in node.output]
            for attribute in node.attribute:
                if attribute.HasField("g"):
                    graphs.append(attribute.g)
                graphs.extend(attribute.graphs)
        for value in (*graph.input, *graph.output, *graph.value_info, *graph.initializer):
            value.name = renamed(value.name)
        for sparse in graph.sparse_initializer:
            sparse.values.name = renamed(sparse.values.name)
            sparse.indices.name = renamed(sparse.indices.name)
