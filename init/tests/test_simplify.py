"""simplify.scalarise_uniform_constants: exact, and only where it is exact."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from hublot_init.simplify import scalarise_uniform_constants


def _model(constant: np.ndarray, op: str = "Sub", other_shape: list[int | str] | None = None) -> onnx.ModelProto:
    shape = other_shape if other_shape is not None else ["N", 4, 4, 3]
    graph = helper.make_graph(
        [helper.make_node(op, ["x", "c"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(constant, "c")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


@pytest.mark.parametrize("op", ["Sub", "Mul", "Add", "Div"])
def test_uniform_channel_constant_becomes_a_scalar_with_the_same_output(op: str) -> None:
    model = _model(np.full(3, 0.49803922, np.float32), op)
    x = np.random.default_rng(1).random((2, 4, 4, 3), dtype=np.float32)
    before = _run(model, x)
    assert scalarise_uniform_constants(model) == 1
    constant = numpy_helper.to_array(model.graph.initializer[0])
    assert constant.shape == () and constant.dtype == np.float32 and constant == np.float32(0.49803922)
    after = _run(model, x)
    assert after.shape == before.shape and np.array_equal(after, before)
    assert scalarise_uniform_constants(model) == 0  # idempotent


@pytest.mark.parametrize(("constant", "op", "other_shape"), [
    (np.array([0.1, 0.2, 0.3], np.float32), "Sub", None),  # not uniform
    (np.full(3, 2.0, np.float32), "Pow", None),  # not one of the elementwise arithmetic operators
    (np.full(3, 2.0, np.float32), "Sub", []),  # a scalar operand: the vector sets the output's shape
    (np.full(3, 2.0, np.float32), "Sub", ["N", 4, 4, "C"]),  # last dimension unknown
    (np.full(3, 2.0, np.float32), "Sub", ["N", 3, 4, 1]),  # last dimension 1: the vector widens it
])
def test_constants_left_alone_where_a_scalar_would_not_be_exact(constant: np.ndarray, op: str,
                                                                other_shape: list[int | str] | None) -> None:
    model = _model(constant, op, other_shape)
    assert scalarise_uniform_constants(model) == 0
    assert numpy_helper.to_array(model.graph.initializer[0]).shape == (3,)
