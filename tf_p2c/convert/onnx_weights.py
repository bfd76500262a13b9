"""Reading the original's generator weights out of an ONNX export.

Initializers are matched to state-dict keys by name first: the exporter keeps parameter names,
and the per-channel vectors (`rho`, `w_gamma`, `gamma`, ...) are only recognisable that way.
Convolution and `Gemm` weights whose names an exporter replaced (e.g. `onnx::Conv_123`) are
matched structurally instead: their nodes appear in execution order, which is the order of the
Keras model's kernels.
"""

from __future__ import annotations

import numpy as np

from tf_p2c.convert.state_dict import WeightsError


def read_onnx(path: str):
    """Loads an ONNX model, with a one-line error for anything that is not one."""
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load(str(path), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, OSError) as error:
        raise WeightsError(f"{path}: not a readable ONNX model ({type(error).__name__})") from None
    if not model.graph.node:
        raise WeightsError(f"{path}: not a readable ONNX model (empty graph)")
    return model


def onnx_input_size(model) -> int | None:
    """Spatial side of the first graph input when it is static and square, else None."""
    dims = model.graph.input[0].type.tensor_type.shape.dim
    values = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    if len(values) == 4 and values[2] and values[2] == values[3]:
        return int(values[2])
    return None


def _initializers(model) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    return {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}


def _strip_prefix(names, expected_keys):
    """Some exports prefix parameter names (e.g. `genA2B.`); find and drop a common one."""
    for name in names:
        for key in expected_keys:
            if name.endswith("." + key):
                return name[: -len(key)]
    return ""


def onnx_state_dict(model, expected: dict[str, np.ndarray], path: str) -> dict[str, np.ndarray]:
    """Builds a state dict for a network whose expected keys/shapes are `expected`.

    Args:
        model: a loaded ONNX model of the generator.
        expected: the target network's state dict (keys and torch-layout shapes) in Keras'
            variable order, as from `tf_p2c.convert.state_dict.model_state_dict`.
        path: file name for messages.
    """
    arrays = _initializers(model)
    prefix = _strip_prefix(arrays, expected)
    state = {}
    for key in expected:
        if prefix + key in arrays:
            state[key] = arrays[prefix + key]
    missing = [key for key in expected if key not in state]
    if missing:
        state.update(_structural_match(model, arrays, expected, missing, path))
    return state


def _node_params(model, arrays):
    """(kind, weight, bias) per Conv / Gemm node in graph order, for initializer operands."""
    params = []
    for node in model.graph.node:
        if node.op_type not in ("Conv", "Gemm") or len(node.input) < 2:
            continue
        weight = arrays.get(node.input[1])
        if weight is None:
            continue
        if node.op_type == "Gemm":
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            weight = weight if trans_b else weight.T  # torch layout is (out, in)
        bias = arrays.get(node.input[2]) if len(node.input) > 2 else None
        params.append(("conv" if node.op_type == "Conv" else "dense", weight, bias))
    return params


def _structural_match(model, arrays, expected, missing, path):
    weight_keys = [k for k in expected if k.endswith(".weight") and expected[k].ndim in (2, 4)]
    params = _node_params(model, arrays)
    if len(params) != len(weight_keys):
        raise WeightsError(
            f"{path}: missing initializer {missing[0]} and the graph has {len(params)} "
            f"Conv/Gemm layers where the generator has {len(weight_keys)}; is it another architecture?"
        )
    found = {}
    for key, (kind, weight, bias) in zip(weight_keys, params):
        want = "conv" if expected[key].ndim == 4 else "dense"
        if kind != want or weight.shape != expected[key].shape:
            raise WeightsError(
                f"{path}: layer for {key} is a {kind} of shape {tuple(weight.shape)}, "
                f"expected a {want} of shape {tuple(expected[key].shape)}"
            )
        found[key] = weight
        bias_key = key[: -len("weight")] + "bias"
        if bias_key in expected and bias is not None:
            found[bias_key] = bias
    still_missing = [key for key in missing if key not in found]
    if still_missing:
        raise WeightsError(f"{path}: no initializer found for {still_missing[0]}")
    return {key: found[key] for key in missing}
