"""Convert the exported function to ONNX with tf2onnx."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ConversionError
from .export import INPUT_NAME, OUTPUT_NAME, Exported
from .simplify import scalarise_uniform_constants

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

    Deterministic: the same exported function gives the same bytes, in this process or another
    (`_canonicalise`).

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
    scalarise_uniform_constants(model_proto)
    _canonicalise(model_proto)
    return Converted(data=model_proto.SerializeToString(deterministic=True), opset=opset)


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


def _canonicalise(model_proto: Any) -> None:
    """Give tf2onnx's output one form per model, whatever the process or what it converted before.

    tf2onnx's output varies between runs: the names it generates take a process-wide counter
    (tf2onnx.utils.make_name), and which of two identical constants its optimiser keeps, and the
    order of the constants, vary from one process to the next. Here every constant (initializer)
    is named after its content (identical ones merged) and the constants are sorted by name; then
    the remaining generated `__<n>` suffixes are renumbered 1, 2, … in node order. The graph
    computes the same thing; model.json's `version` relies on identical bytes for an identical model.
    """
    graph = model_proto.graph
    by_content: dict[str, Any] = {}
    constant_names: dict[str, str] = {}
    for tensor in graph.initializer:
        content = type(tensor)()
        content.CopyFrom(tensor)
        content.name = ""
        name = "const_" + hashlib.sha256(content.SerializeToString(deterministic=True)).hexdigest()[:20]
        constant_names[tensor.name] = name
        if name not in by_content:
            content.name = name
            by_content[name] = content
    del graph.initializer[:]
    graph.initializer.extend(by_content[name] for name in sorted(by_content))
    _rename_everywhere(graph, lambda name: constant_names.get(name, name))

    numbers: dict[str, str] = {}

    def renumbered(name: str) -> str:
        match = _GENERATED_SUFFIX.search(name)
        if match is None:
            return name
        number = numbers.setdefault(match.group(1), str(len(numbers) + 1))
        return f"{name[:match.start()]}__{number}{match.group(2) or ''}"

    _rename_everywhere(graph, renumbered)


def _rename_everywhere(root: Any, renamed: Callable[[str], str]) -> None:
    """Apply `renamed` to every tensor and node name of `root` and of its subgraphs (one-to-one renames only)."""
    graphs = [root]
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
