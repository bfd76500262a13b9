"""Reusable test harness for the custom layers and models, plus small NumPy reference ops.

`assert_layer_contract` is this project's version of keras-hub's `run_layer_test` /
`run_serialization_test` (STYLE.md practice 4). The NumPy functions are independent references
(written from the formulas in DESIGN.md §1, not from the package code) used by the numeric tests.
"""

from __future__ import annotations

import copy
import json
import os

import keras
import numpy as np
import tensorflow as tf
from paths import FIXTURES

# ---------------------------------------------------------------------------------------------
# Layer contract
# ---------------------------------------------------------------------------------------------


def _is_multi(structure) -> bool:
    return isinstance(structure, (list, tuple))


def _as_list(structure):
    return list(structure) if _is_multi(structure) else [structure]


def _is_shape_list(expected) -> bool:
    """True when `expected` is a list of shapes (several outputs), not one shape."""
    return _is_multi(expected) and len(expected) > 0 and _is_multi(expected[0])


def _symbolic_inputs(input_data):
    """keras.Input(s) with the same (fully defined) shapes as the eager data."""
    def one(array):
        array = np.asarray(array)
        return keras.Input(shape=array.shape[1:], batch_size=array.shape[0], dtype=str(array.dtype))

    if _is_multi(input_data):
        return [one(a) for a in input_data]
    return one(input_data)


def _numpy_outputs(outputs):
    return [keras.ops.convert_to_numpy(o) for o in _as_list(outputs)]


def _check_shapes(outputs, expected_output_shape, what: str):
    expected = list(expected_output_shape) if _is_shape_list(expected_output_shape) else [expected_output_shape]
    got = [tuple(o.shape) for o in _as_list(outputs)]
    expected = [tuple(s) for s in expected]
    assert len(got) == len(expected), f"{what}: {len(got)} outputs, expected {len(expected)}"
    assert got == expected, f"{what}: output shapes {got}, expected {expected}"


def _strip_name(config: dict) -> dict:
    return {k: v for k, v in config.items() if k != "name"}


def assert_layer_contract(
    layer_cls,
    init_kwargs: dict,
    input_data,
    expected_output_shape,
    expected_num_trainable_weights: int | None = None,
    expected_num_non_trainable_weights: int | None = None,
    check_gradients: bool = True,
):
    """Checks the contract every custom layer must honour (STYLE.md practice 2).

    1. `get_config()` holds every plain constructor argument, and `from_config(get_config())`
       gives an equal config.
    2. `keras.saving.serialize_keras_object` → JSON text → `deserialize_keras_object` gives a layer
       of the same class with an equal config (this needs the class to be registered).
    3. Eager call: output shape(s) equal `expected_output_shape` (one shape, or a list of shapes
       for layers with several outputs).
    4. Symbolic call on `keras.Input`s: same output shape(s) (exercises `compute_output_shape` /
       `compute_output_spec`).
    5. Trainable / non-trainable weight counts, when given.
    6. A layer rebuilt from the config, given `set_weights(layer.get_weights())`, returns exactly
       the same outputs (max abs difference 0) in inference mode.
    7. With `check_gradients`, every trainable weight receives a finite gradient from the
       outputs (i.e. is connected to them), so one training step would update it.

    `input_data` is one array or a list of arrays (for layers called as `layer([x, a, b])`).
    Returns the eagerly built layer and its NumPy outputs (always a list).
    """
    # 1. Config round trip.
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    for key, value in init_kwargs.items():
        if isinstance(value, (bool, int, float, str, type(None))):
            assert config.get(key) == value, f"get_config()[{key!r}] = {config.get(key)!r}, expected {value!r}"
    # Deep copies: keras.layers.Wrapper.from_config pops "layer" from the dict it is given.
    rebuilt_config = layer_cls.from_config(copy.deepcopy(config)).get_config()
    assert rebuilt_config == config, f"from_config round trip changed the config:\n{config}\n{rebuilt_config}"

    # 2. JSON serialization round trip through the registered name.
    serialized = keras.saving.serialize_keras_object(layer)
    text = json.dumps(serialized)
    restored = keras.saving.deserialize_keras_object(json.loads(text))
    assert type(restored) is layer_cls, f"deserialized {type(restored).__name__}, expected {layer_cls.__name__}"
    assert restored.get_config() == config

    # 3. Eager call.
    outputs = layer(input_data)
    _check_shapes(outputs, expected_output_shape, "eager call")
    out_np = _numpy_outputs(outputs)
    for array in out_np:
        assert np.all(np.isfinite(array)), "eager output holds NaN or Inf"

    # 4. Symbolic call (fresh layer: a functional graph is built from KerasTensors).
    symbolic_layer = layer_cls.from_config(copy.deepcopy(config))
    symbolic_outputs = symbolic_layer(_symbolic_inputs(input_data))
    for tensor in _as_list(symbolic_outputs):
        assert isinstance(tensor, keras.KerasTensor), f"symbolic call returned {type(tensor).__name__}"
    _check_shapes(symbolic_outputs, expected_output_shape, "symbolic call")

    # 5. Weight counts.
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, (
            f"{len(layer.trainable_weights)} trainable weights "
            f"({[w.path for w in layer.trainable_weights]}), expected {expected_num_trainable_weights}"
        )
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights, (
            f"{len(layer.non_trainable_weights)} non-trainable weights "
            f"({[w.path for w in layer.non_trainable_weights]}), expected {expected_num_non_trainable_weights}"
        )
    if symbolic_layer.built:
        assert len(symbolic_layer.weights) == len(layer.weights), "symbolic build created a different weight set"

    # 6. Rebuilt layer with copied weights gives identical outputs.
    twin = layer_cls.from_config(copy.deepcopy(config))
    twin(input_data)  # build
    twin.set_weights(layer.get_weights())
    for a, b in zip(layer.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    twin_np = _numpy_outputs(twin(input_data))
    for i, (a, b) in enumerate(zip(out_np, twin_np)):
        assert np.max(np.abs(a - b)) == 0.0, f"output {i} differs after rebuild: max abs {np.max(np.abs(a - b))}"

    # 7. Gradients reach every trainable weight.
    if check_gradients and layer.trainable_weights:
        inputs = [tf.convert_to_tensor(a) for a in _as_list(input_data)]
        with tf.GradientTape() as tape:
            result = layer(inputs if _is_multi(input_data) else inputs[0], training=True)
            loss = tf.add_n([tf.reduce_mean(tf.square(tf.cast(o, tf.float32))) for o in _as_list(result)])
        grads = tape.gradient(loss, layer.trainable_weights)
        for variable, grad in zip(layer.trainable_weights, grads):
            assert grad is not None, f"no gradient reaches {variable.path}"
            assert np.all(np.isfinite(keras.ops.convert_to_numpy(grad))), f"non-finite gradient for {variable.path}"

    return layer, out_np


def assert_keras_roundtrip(model: keras.Model, inputs, tmp_path, check_state_dict: bool = True):
    """Saves `model` to a `.keras` file, reloads it, and asserts identical outputs (max abs 0).

    Also checks that the reloaded model has the same weights, in the same order, bit for bit,
    and (with `check_state_dict`) that weight export maps both to the same checkpoint keys
    (`tf_p2c.convert.state_dict.model_state_dict`).
    Returns the reloaded model.
    """
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    assert path.is_file() and path.stat().st_size > 0
    reloaded = keras.saving.load_model(path)
    assert type(reloaded) is type(model)
    assert len(reloaded.weights) == len(model.weights)
    if check_state_dict:
        from tf_p2c.convert.state_dict import model_state_dict

        before, after = model_state_dict(model), model_state_dict(reloaded)
        assert list(after) == list(before)
        for key in before:
            np.testing.assert_array_equal(after[key], before[key], err_msg=key)
    for a, b in zip(model.weights, reloaded.weights):
        assert tuple(a.shape) == tuple(b.shape), f"{a.path} {a.shape} vs {b.path} {b.shape}"
        np.testing.assert_array_equal(to_np(a), to_np(b))
    expected = _numpy_outputs(model(inputs, training=False))
    got = _numpy_outputs(reloaded(inputs, training=False))
    assert len(got) == len(expected)
    for i, (a, b) in enumerate(zip(expected, got)):
        assert a.shape == b.shape
        assert np.max(np.abs(a - b)) == 0.0, f"output {i}: max abs diff {np.max(np.abs(a - b))} after reload"
    return reloaded


# ---------------------------------------------------------------------------------------------
# Independent NumPy references (NHWC, float64 internally)
# ---------------------------------------------------------------------------------------------


def np_reflect_pad(x, p: int):
    return np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), mode="reflect")


def np_conv2d(x, kernel, stride: int = 1, bias=None):
    """'valid' cross-correlation, NHWC input, (kh, kw, in, out) kernel (Keras layout)."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    kh, kw = kernel.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # B,H',W',C,kh,kw
    windows = windows[:, ::stride, ::stride]
    out = np.einsum("bhwcij,ijco->bhwo", windows, kernel)
    if bias is not None:
        out = out + np.asarray(bias, np.float64)
    return out


def np_instance_norm(x, eps: float = 1e-5, ddof: int = 0):
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True, ddof=ddof)
    return (x - mean) / np.sqrt(var + eps)


def np_layer_norm(x, eps: float = 1e-5, ddof: int = 0):
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    var = x.var(axis=(1, 2, 3), keepdims=True, ddof=ddof)
    return (x - mean) / np.sqrt(var + eps)


def np_lin(x, rho, gamma, beta, eps: float = 1e-5, ddof: int = 1):
    """adaLIN / LIN of the original: torch.var default is unbiased, hence ddof=1.

    `gamma` and `beta` are (B, C) (AdaLIN) or (C,) (LIN); `rho` is (C,).
    """
    mixed = rho * np_instance_norm(x, eps, ddof) + (1.0 - rho) * np_layer_norm(x, eps, ddof)
    gamma = np.asarray(gamma, np.float64)
    beta = np.asarray(beta, np.float64)
    if gamma.ndim == 2:
        gamma = gamma[:, None, None, :]
        beta = beta[:, None, None, :]
    return mixed * gamma + beta


def np_l2_normalize(v, eps: float = 1e-12):
    return v / max(np.sqrt(np.sum(np.square(v))), eps)


def np_relu(x):
    return np.maximum(x, 0.0)


def np_upsample_nearest_2x(x):
    return np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)


def np_avg_pool_2x(x):
    b, h, w, c = x.shape
    return np.asarray(x, np.float64)[:, : h // 2 * 2, : w // 2 * 2].reshape(b, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def np_dense(x, kernel, bias=None):
    out = np.asarray(x, np.float64) @ np.asarray(kernel, np.float64)
    return out if bias is None else out + np.asarray(bias, np.float64)


def to_np(tensor):
    return keras.ops.convert_to_numpy(tensor)


def adam_step_with_large_gradient(variables):
    """One Adam step (lr 2) with gradients of alternating sign ±1e3 per entry.

    Adam moves each entry by about lr, so without a [0, 1] constraint every entry would leave
    [0, 1]; with ClipTo01 the entries must end up exactly at 0, 1, 0, 1, ... (positive gradient →
    decrease → 0).
    Returns the expected values for each variable.
    """
    grads, expected = [], []
    for variable in variables:
        n = int(np.prod(variable.shape))
        sign = np.where(np.arange(n) % 2 == 0, 1.0, -1.0).reshape(variable.shape)
        grads.append((1e3 * sign).astype("float32"))
        expected.append(np.where(sign > 0, 0.0, 1.0))
    keras.optimizers.Adam(learning_rate=2.0).apply(grads, list(variables))
    return expected


ORIGINAL_KEYS_TSV = os.path.join(FIXTURES, "original_state_dicts.tsv")


def original_keys(file: str, network: str) -> list[tuple[str, tuple, str]]:
    """(key, shape, dtype) of one network of the original's files, in the files' order.

    Read from the committed copy of the original's state-dict listing (a fact about the real
    files, not about any reference written here); `scalar` shapes become `()`.
    """
    import csv

    with open(ORIGINAL_KEYS_TSV, newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["file"] == file and r["network"] == network]
    if not rows:
        raise KeyError(f"no rows for {file} / {network} in {ORIGINAL_KEYS_TSV}")
    return [
        (r["key"], () if r["shape"] == "scalar" else tuple(int(d) for d in r["shape"].split("x")), r["dtype"])
        for r in rows
    ]


def rename_onnx_initializers(model, name=lambda index, old: f"onnx::Param_{1000 + index}"):
    """Renames every initializer of an ONNX model in place (as exporters that number tensors do)."""
    graph = model.graph
    for index, tensor in enumerate(graph.initializer):
        old, new = tensor.name, name(index, tensor.name)
        for node in graph.node:
            node.input[:] = [new if n == old else n for n in node.input]
        for value in (*graph.input, *graph.output, *graph.value_info):
            if value.name == old:
                value.name = new
        tensor.name = new
    return model
