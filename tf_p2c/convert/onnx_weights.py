"""Reading the original's generator weights out of an ONNX export.

Parameters are found by name when the file keeps the state-dict names (the original's release
and PyTorch's exporters do, for most tensors). Otherwise every tensor is found by the graph's
structure, whatever the names:

- convolution weights (and biases) in the order their `Conv` nodes run;
- `nn.Linear` weights in the order their layers run, written as `Gemm` (either `transB`), as
  `MatMul` + `Add`, or with the weight behind a `Transpose`;
- the per-channel parameters by the role of the node that uses them: Soft-AdaLIN's `w_gamma`
  multiplies the content MLP's output (and `1 - w_gamma`, often folded into a constant of its
  own, the style projection's); adaLIN / LIN `rho` multiplies the instance-normalised branch
  (`1 - rho` the layer-normalised one); LIN's `gamma` scales the mixed branches and `beta` is
  added after it.

A structural match is then checked against ONNX Runtime on the same graph (see
`tf_p2c.network_files`), so a graph whose layers run in another order is refused, not misread.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from tf_p2c.convert.state_dict import UNUSED_KEY, WeightsError

# Nodes that only move or reshape values: a parameter keeps its role through them.
_PASS_THROUGH = {"Identity", "Cast", "Reshape", "Unsqueeze", "Squeeze", "Expand", "Flatten"}


def read_onnx(path: str):
    """Loads an ONNX model, with a one-line error for anything that is not one.

    Tensors stored outside the file (external data) are refused: their location is a path
    chosen by whoever wrote the file, and the released generator keeps every tensor inside.
    """
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load(str(path), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, OSError) as error:
        raise WeightsError(f"{path}: not a readable ONNX model ({type(error).__name__})") from None
    if not model.graph.node:
        raise WeightsError(f"{path}: not a readable ONNX model (empty graph)")
    graph = model.graph
    names = [t.name for t in graph.initializer] + [n for node in graph.node for n in (*node.input, *node.output)]
    if not all(isinstance(name, str) for name in names):  # protobuf hands back undecodable names as bytes
        raise WeightsError(f"{path}: not a readable ONNX model (tensor names are not text)")
    for tensor in _all_tensors(model.graph):
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise WeightsError(
                f"{path}: tensor {tensor.name or '(unnamed)'} is stored in an external file; "
                "only self-contained ONNX files are read"
            )
    return model


def _all_tensors(graph):
    yield from graph.initializer
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            for subgraph in (*([attribute.g] if attribute.HasField("g") else []), *attribute.graphs):
                yield from _all_tensors(subgraph)


def onnx_input_size(model) -> int | None:
    """Spatial side of the first graph input when it is static and square, else None."""
    dims = model.graph.input[0].type.tensor_type.shape.dim
    values = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    if len(values) == 4 and values[2] and values[2] == values[3]:
        return int(values[2])
    return None


def onnx_state_dict(model, expected: dict[str, np.ndarray], path: str) -> tuple[dict[str, np.ndarray], str]:
    """Builds a state dict for a network whose expected keys/shapes are `expected`.

    Args:
        model: a loaded ONNX model of the generator.
        expected: the target network's state dict (keys and torch-layout shapes) in the
            original's order, as from `tf_p2c.convert.state_dict.model_state_dict`.
        path: file name for messages.

    Returns:
        (state dict, how it was matched: "names" or "structure").
    """
    graph = _Graph(model)
    by_name = _match_by_name(graph.constants, expected)
    if len(by_name) == len(expected):
        return by_name, "names"
    return _match_by_structure(graph, expected, path), "structure"


def _match_by_name(constants, expected):
    prefix = ""
    for name in constants:  # some exports prefix parameter names (e.g. `genA2B.`)
        hit = next((key for key in expected if name.endswith("." + key)), None)
        if hit is not None:
            prefix = name[: -len(hit)]
            break
    return {key: constants[prefix + key] for key in expected if prefix + key in constants}


class _Graph:
    """Producers, constants and pass-through tracing over one ONNX graph."""

    def __init__(self, model):
        from onnx import numpy_helper

        self.nodes = list(model.graph.node)
        self.constants = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        for node in self.nodes:
            value = next((a.t for a in node.attribute if a.name == "value" and node.op_type == "Constant"), None)
            if value is not None:
                self.constants[node.output[0]] = numpy_helper.to_array(value)
        self.producer = {out: node for node in self.nodes for out in node.output}
        self.consumers = defaultdict(list)
        for node in self.nodes:
            for name in node.input:
                self.consumers[name].append(node)

    def constant(self, name):
        """The value behind `name` when it is a constant (through pass-through nodes), else None."""
        while name not in self.constants:
            node = self.producer.get(name)
            if node is None or node.op_type not in _PASS_THROUGH:
                return None
            name = node.input[0]
        return self.constants[name]

    def source(self, name):
        """The first node above `name` that does more than move values, or None."""
        node = self.producer.get(name)
        while node is not None and node.op_type in _PASS_THROUGH:
            node = self.producer.get(node.input[0])
        return node

    def weight(self, name):
        """A weight operand: a constant, or the transpose of one."""
        value = self.constant(name)
        if value is not None:
            return value
        node = self.source(name)
        if node is not None and node.op_type == "Transpose":
            value = self.constant(node.input[0])
            if value is not None and value.ndim == 2:
                return value.T
        return None

    def parameter(self, name):
        """(value, complemented) for a parameter operand: `p` or a not-yet-folded `1 - p`."""
        value = self.constant(name)
        if value is not None:
            return value, False
        node = self.source(name)
        if node is not None and node.op_type == "Sub":
            one, value = self.constant(node.input[0]), self.constant(node.input[1])
            if one is not None and value is not None and one.size == 1 and float(one.reshape(-1)[0]) == 1.0:
                return value, True
        return None, False


def _attribute(node, name, default=None):
    import onnx

    for attribute in node.attribute:
        if attribute.name == name:
            return onnx.helper.get_attribute_value(attribute)
    return default


def _convolutions(graph):
    """(node, weight, bias) per Conv node with constant weights, in graph order."""
    found = []
    for node in graph.nodes:
        if node.op_type != "Conv" or len(node.input) < 2:
            continue
        weight = graph.constant(node.input[1])
        if weight is None:
            continue
        bias = graph.constant(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        found.append((node.output[0], weight, bias))
    return found


def _linears(graph):
    """(output name, weight in torch layout (out, in), bias) per linear layer, in graph order."""
    found = []
    for node in graph.nodes:
        if node.op_type == "Gemm":
            weight = graph.weight(node.input[1])
            if weight is None or _attribute(node, "transA", 0) or _attribute(node, "alpha", 1.0) != 1.0:
                continue
            weight = weight if _attribute(node, "transB", 0) else weight.T
            bias = graph.constant(node.input[2]) if len(node.input) > 2 and node.input[2] else None
            if bias is not None and _attribute(node, "beta", 1.0) != 1.0:
                continue
            found.append((node.output[0], weight, bias))
        elif node.op_type == "MatMul":
            weight = graph.weight(node.input[1])
            if weight is None or weight.ndim != 2:
                continue
            output, bias = node.output[0], None
            users = graph.consumers[output]
            if len(users) == 1 and users[0].op_type == "Add":
                other = [n for n in users[0].input if n != output]
                bias = graph.constant(other[0]) if len(other) == 1 else None
                if bias is not None:
                    output = users[0].output[0]
            found.append((output, weight.T, bias))
    return found


def _assign_in_order(kind, keys, layers, expected, path):
    if len(layers) != len(keys):
        raise WeightsError(
            f"{path}: the graph has {len(layers)} {kind} layers where the generator has {len(keys)}; "
            "not a photo2cartoon generator of this size"
        )
    state, outputs = {}, {}
    for key, (output, weight, bias) in zip(keys, layers):
        if weight.shape != expected[key].shape:
            raise WeightsError(
                f"{path}: the {kind} layer for {key} has weights of shape {tuple(weight.shape)}, "
                f"expected {tuple(expected[key].shape)}"
            )
        state[key] = weight
        bias_key = key[: -len("weight")] + "bias"
        if bias_key in expected:
            if bias is None:
                raise WeightsError(f"{path}: the {kind} layer for {key} has no constant bias")
            state[bias_key] = bias
        outputs[output] = key
    return state, outputs


def _norm_of_conv(conv_key):
    """The normalisation that follows a convolution, as a key prefix (`...norm.`), else None."""
    for pattern, replacement in ((r"\.conv(\d)\.weight$", r".norm\1.norm."), (r"^(UpBlock\d)\.2\.weight$", r"\1.3.")):
        if re.search(pattern, conv_key):
            return re.sub(pattern, replacement, conv_key)
    return None


def _reduce_axes(graph, node):
    axes = _attribute(node, "axes")
    if axes is None and len(node.input) > 1:
        value = graph.constant(node.input[1])
        axes = None if value is None else value.reshape(-1).tolist()
    return None if axes is None else tuple(sorted(int(a) % 4 for a in axes))


def _normalised_branch(graph, name, conv_outputs):
    """(norm prefix, "instance" | "layer") when `name` is (x - mean(x)) / ... of a known conv."""
    div = graph.source(name)
    if div is None or div.op_type != "Div":
        return None
    sub = graph.source(div.input[0])
    if sub is None or sub.op_type != "Sub":
        return None
    mean = graph.source(sub.input[1])
    conv = graph.source(sub.input[0])
    if mean is None or mean.op_type != "ReduceMean" or conv is None or conv.output[0] not in conv_outputs:
        return None
    prefix = _norm_of_conv(conv_outputs[conv.output[0]])
    kind = {(2, 3): "instance", (1, 2, 3): "layer"}.get(_reduce_axes(graph, mean))
    return (prefix, kind) if prefix and kind else None


def _per_channel_parameters(graph, linear_outputs, conv_outputs):
    """{key: [(value, complemented), ...]} for rho, w_gamma, w_beta and LIN gamma / beta."""
    found = defaultdict(list)
    for node in graph.nodes:
        if node.op_type != "Mul" or len(node.input) != 2:
            continue
        for this, other in ((0, 1), (1, 0)):
            value, complemented = graph.parameter(node.input[this])
            if value is None:
                continue
            source = graph.source(node.input[other])
            linear = linear_outputs.get(source.output[0]) if source is not None else None
            if linear is not None:
                role = re.search(r"^(.*)\.(c|s)_(gamma|beta)\.(?:2\.)?weight$", linear)
                if role:
                    prefix, branch, which = role.groups()
                    found[f"{prefix}.w_{which}"].append((value, complemented != (branch == "s")))
                continue
            branch = _normalised_branch(graph, node.input[other], conv_outputs)
            if branch is not None:
                prefix, kind = branch
                found[prefix + "rho"].append((value, complemented != (kind == "layer")))
                continue
            prefix = _mixed_norm(graph, source, conv_outputs)
            if prefix is not None and not complemented:
                found[prefix + "gamma"].append((value, False))
                users = graph.consumers[node.output[0]]
                if len(users) == 1 and users[0].op_type == "Add":
                    beta_name = next((n for n in users[0].input if n != node.output[0]), None)
                    beta, beta_complemented = graph.parameter(beta_name) if beta_name else (None, False)
                    if beta is not None and not beta_complemented:
                        found[prefix + "beta"].append((beta, False))
    return found


def _mixed_norm(graph, node, conv_outputs):
    """The norm prefix when `node` adds rho * IN(x) and (1 - rho) * LN(x) of a known conv."""
    if node is None or node.op_type != "Add":
        return None
    for name in node.input:
        mul = graph.source(name)
        if mul is not None and mul.op_type == "Mul":
            for operand in mul.input:
                branch = _normalised_branch(graph, operand, conv_outputs)
                if branch is not None:
                    return branch[0]
    return None


def _match_by_structure(graph, expected, path):
    used = {key: value for key, value in expected.items() if not UNUSED_KEY.search(key)}
    conv_keys = [k for k, v in used.items() if k.endswith(".weight") and v.ndim == 4]
    linear_keys = [k for k, v in used.items() if k.endswith(".weight") and v.ndim == 2]
    state, conv_outputs = _assign_in_order("convolution", conv_keys, _convolutions(graph), used, path)
    linear_state, linear_outputs = _assign_in_order("linear", linear_keys, _linears(graph), used, path)
    state.update(linear_state)
    for key, candidates in _per_channel_parameters(graph, linear_outputs, conv_outputs).items():
        if key not in used:
            continue
        values = [np.float32(1.0) - v if complemented else v for v, complemented in candidates]
        values = [v.reshape(-1) for v in values]
        if any(v.shape != values[0].shape or np.max(np.abs(v - values[0])) > 1e-6 for v in values):
            raise WeightsError(f"{path}: the graph uses {key} with two different values; not a photo2cartoon generator")
        # Prefer an operand used as it is over one recovered from `1 - p`.
        direct = [v for (v, complemented) in candidates if not complemented]
        state[key] = (direct[0] if direct else values[0]).reshape(-1)
    missing = [key for key in used if key not in state]
    if missing:
        raise WeightsError(f"{path}: no tensor in the graph plays the role of {missing[0]}; not a photo2cartoon generator")
    for key, value in state.items():
        if value.size != used[key].size:
            raise WeightsError(f"{path}: tensor for {key} has {value.size} values, expected shape {tuple(used[key].shape)}")
        state[key] = value.reshape(used[key].shape)
    return state


def onnx_generator_widths(model, path: str) -> tuple[int, int]:
    """(ngf, inputs of the style MLP's first layer) read from the graph's first layers."""
    graph = _Graph(model)
    convolutions, linears = _convolutions(graph), _linears(graph)
    # The generator's linear layers run gap_fc, gmp_fc, then FC.0.
    if not convolutions or len(linears) < 3 or convolutions[0][1].ndim != 4:
        raise WeightsError(f"{path}: no convolution and linear layers of a photo2cartoon generator in the graph")
    return int(convolutions[0][1].shape[0]), int(linears[2][1].shape[1])
