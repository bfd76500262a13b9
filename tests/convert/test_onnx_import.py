"""ONNX import whatever the exporter named things and however it wrote a Linear layer.

Round-trip tests on exports of this project's PyTorch reference (whose names are the original's,
see test_original_format.py): the TorchScript exporter's file (`dynamo=False`, opset 11, as the
2020 release was made) and the current torch.export-based exporter's. Variants are made here by
rewriting those graphs the ways exporters differ: every initializer renamed, a wrapper's prefix,
Linear layers as `MatMul` + `Add`, as `Gemm` on a pre-transposed constant, or behind a
`Transpose` node.
"""

import os

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from helpers import rename_onnx_initializers as rename_initializers
from tf_p2c.convert.state_dict import WeightsError
from tf_p2c.network_files import load_generator
from paths import FIXTURES

TOLERANCE = 1e-4
EXPORTS = {"torchscript": ("gen_tiny.onnx", "onnx_output"), "dynamo": ("gen_tiny_dynamo.onnx", "onnx_dynamo_output")}


@pytest.fixture(scope="module")
def io():
    return dict(np.load(os.path.join(FIXTURES, "p2c_tiny_io.npz")))


def _load(exporter):
    return onnx.load(os.path.join(FIXTURES, EXPORTS[exporter][0]))


def _initializer(model, name):
    return next(t for t in model.graph.initializer if t.name == name)


def rewrite_linears(model, form):
    """Every Gemm(x, W, b, transB=1) becomes another form a Linear layer takes in ONNX."""
    graph = model.graph
    nodes = []
    for index, node in enumerate(graph.node):
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        if node.op_type != "Gemm" or not trans_b:
            nodes.append(node)
            continue
        x, w_name, b_name = node.input
        weight = numpy_helper.to_array(_initializer(model, w_name))
        if form == "gemm_pretransposed":
            graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(weight.T), f"{w_name}_t{index}"))
            nodes.append(helper.make_node("Gemm", [x, f"{w_name}_t{index}", b_name], list(node.output), transB=0))
            continue
        matmul_out = f"linear_{index}_matmul"
        if form == "matmul_add":
            graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(weight.T), f"{w_name}_t{index}"))
            nodes.append(helper.make_node("MatMul", [x, f"{w_name}_t{index}"], [matmul_out]))
        else:  # "matmul_transpose": the weight stays (out, in) behind a Transpose node
            nodes.append(helper.make_node("Transpose", [w_name], [f"{w_name}_tr{index}"], perm=[1, 0]))
            nodes.append(helper.make_node("MatMul", [x, f"{w_name}_tr{index}"], [matmul_out]))
        nodes.append(helper.make_node("Add", [matmul_out, b_name], list(node.output)))
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def _save(model, tmp_path, name):
    path = str(tmp_path / name)
    onnx.save(model, path)
    return path


def _assert_matches(model, io, exporter):
    expected = io[EXPORTS[exporter][1]].transpose(0, 2, 3, 1)
    image = np.asarray(model(io["onnx_input"].transpose(0, 2, 3, 1))[0])
    assert float(np.max(np.abs(image - expected))) <= TOLERANCE


@pytest.mark.parametrize("exporter", sorted(EXPORTS))
def test_both_exporters_load_by_name(exporter, io):
    model = load_generator(os.path.join(FIXTURES, EXPORTS[exporter][0]))
    assert model.input_shape == (None, 64, 64, 3)  # read from the ONNX input
    _assert_matches(model, io, exporter)


@pytest.mark.parametrize("exporter", sorted(EXPORTS))
@pytest.mark.parametrize("form", ["gemm", "matmul_add", "gemm_pretransposed", "matmul_transpose"])
def test_every_initializer_renamed_and_every_linear_form_load_by_structure(exporter, form, io, tmp_path):
    graph = rename_initializers(_load(exporter))
    if form != "gemm":
        graph = rewrite_linears(graph, form)
    _assert_matches(load_generator(_save(graph, tmp_path, f"{form}.onnx")), io, exporter)


def test_a_wrappers_prefix_is_dropped(io, tmp_path):
    graph = rename_initializers(_load("torchscript"), name=lambda i, old: f"module.genA2B.{old}")
    _assert_matches(load_generator(_save(graph, tmp_path, "prefixed.onnx")), io, "torchscript")


def test_layers_in_another_order_are_refused_not_misread(tmp_path):
    # Move the first style-MLP Gemm of c_beta ahead of c_gamma's: a valid graph whose same-shaped
    # linear layers no longer run in the original's order. Without names, matching by order would
    # swap their weights; the check against ONNX Runtime must catch it.
    graph = _load("torchscript")
    nodes = list(graph.graph.node)
    gamma = next(i for i, n in enumerate(nodes) if n.op_type == "Gemm" and n.input[1] == "DecodeBlock1.norm1.c_gamma.0.weight")
    beta = next(i for i, n in enumerate(nodes) if n.op_type == "Gemm" and n.input[1] == "DecodeBlock1.norm1.c_beta.0.weight")
    nodes.insert(gamma, nodes.pop(beta))
    del graph.graph.node[:]
    graph.graph.node.extend(nodes)
    onnx.checker.check_model(graph)
    path = _save(rename_initializers(graph), tmp_path, "reordered.onnx")
    with pytest.raises(WeightsError, match="matched by graph structure give outputs .* away from the graph's own"):
        load_generator(path)


def tiny_graph(op):
    x = helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 3, 64, 64])
    y = helper.make_tensor_value_info("output", onnx.TensorProto.FLOAT, None)
    weight = numpy_helper.from_array(np.ones((3, 3, 3, 3), np.float32), "w")
    node = helper.make_node("Conv", ["input", "w"], ["output"], pads=[1, 1, 1, 1]) if op == "Conv" else \
        helper.make_node("Add", ["input", "input"], ["output"])
    return helper.make_model(helper.make_graph([node], "g", [x], [y], [weight] if op == "Conv" else []))


@pytest.mark.parametrize("op", ["Conv", "Add"])
def test_a_graph_that_is_not_the_generator_is_one_line(op, tmp_path):
    with pytest.raises(WeightsError, match="not a photo2cartoon generator|no convolution and linear layers") as error:
        load_generator(_save(tiny_graph(op), tmp_path, f"{op}.onnx"))
    assert "\n" not in str(error.value)
