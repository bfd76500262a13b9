"""Mapping between Keras variables and the original's PyTorch state-dict tensors.

Keras layer names follow the original's module names, so each variable path converts to a
state-dict key by a few textual rules, and each tensor by a per-kind transpose (NCHW
convolution kernels and `nn.Linear` matrices are stored transposed relative to Keras).
"""

from __future__ import annotations

import re

import numpy as np

from tf_p2c.tf_compat import flatten_layers


class WeightsError(ValueError):
    """A checkpoint that cannot be loaded into the network; the message is one line."""


# Ordered textual rules from a Keras variable path (relative to the model) to a state-dict key.
_PATH_RULES = [
    (r"^(ConvBlock1|ConvBlock2|DownBlock\d)_conv/", r"\1/1/"),
    (r"^(UpBlock\d)_conv/", r"\1/2/"),
    (r"^(UpBlock\d)_norm/", r"\1/3/"),
    (r"/HG_(\d)/", r"/HG/\1/"),
    # ConvBlock's stages are ConvBlock1..3 = [IN, ReLU, pad, conv], ConvBlock4 = [IN, ReLU, conv].
    (r"/conv_block([123])/conv/", r"/ConvBlock\1/3/"),
    (r"/conv_skip/conv/", r"/ConvBlock4/2/"),
    (r"/conv_block_(\d)/", r"/conv_block/\1/"),
    (r"/(c_gamma|c_beta)_(\d)/", r"/\1/\2/"),
    (r"^FC_(\d)/", r"FC/\1/"),
    (r"^CAM/", ""),
    (r"^model_(\d+)/", r"model/\1/"),
]
# A SpectralNorm wrapper and the layer it wraps share one name: `x/x/kernel`.
_SPECTRAL_KERNEL = re.compile(r"(^|/)([^/]+)/\2/(kernel|bias)$")
_VARIABLE_NAMES = {"kernel": "weight", "vector_u": "weight_u", "vector_v": "weight_v"}

# The original creates ConvBlock's 1x1 residual branch even when it is unused (in == out).
UNUSED_KEY = re.compile(r"\.ConvBlock4\.2\.weight$")


def torch_key(path: str) -> str:
    """State-dict key of a Keras variable path such as `HourGlass1/HG_2/kernel`."""
    spectral = _SPECTRAL_KERNEL.search(path)
    if spectral:
        name = "weight_orig" if spectral.group(3) == "kernel" else "bias"
        path = path[: spectral.start()] + spectral.group(1) + spectral.group(2) + "/" + name
    for pattern, replacement in _PATH_RULES:
        path = re.sub(pattern, replacement, path)
    head, _, name = path.rpartition("/")
    return f"{head}/{_VARIABLE_NAMES.get(name, name)}".replace("/", ".")


def _relative_path(model, path: str) -> str:
    for layer in model.layers:
        marker = f"{layer.name}/"
        if path.startswith(marker) or f"/{marker}" in path:
            return path[path.index(marker):]
    raise WeightsError(f"variable {path} belongs to no layer of {model.name}")


def _named_variables(model):
    """(variable, path relative to the model, variable name) for every weight.

    A wrapped layer's variable path depends on how it was built (`x/x/kernel` when the wrapper
    builds it, `x/kernel` after a `.keras` reload), so spectral-norm kernels and biases are
    named from their wrapper's `vector_u` path instead.
    """
    from tf_p2c.layers.spectral_norm import SpectralNorm

    renamed = {}
    for layer in flatten_layers(model):
        if isinstance(layer, SpectralNorm):
            prefix = layer.vector_u.path.rpartition("/")[0]
            for variable in (layer.layer.kernel, getattr(layer.layer, "bias", None)):
                if variable is not None:
                    renamed[id(variable)] = f"{prefix}/{layer.name}/{variable.path.rpartition('/')[2]}"
    entries = []
    for variable in model.weights:
        rel = _relative_path(model, renamed.get(id(variable), variable.path))
        entries.append((variable, rel, rel.rpartition("/")[2]))
    return entries


def _flatten_order(variable_shape, torch_shape):
    """For a Flatten-fed Dense kernel: (H, W, C) of the flattened input, else None."""
    in_features, out_features = variable_shape
    if len(torch_shape) != 2 or in_features == out_features:
        return None
    side = int(round((in_features / out_features) ** 0.5))
    if side * side * out_features != in_features:
        return None
    return side, side, out_features


def to_keras(array: np.ndarray, variable_name: str, variable_shape: tuple, key: str) -> np.ndarray:
    """Converts one state-dict tensor to the layout of a Keras variable."""
    rank = len(variable_shape)
    if variable_name == "kernel" and rank == 4:
        return np.transpose(array, (2, 3, 1, 0))
    if variable_name == "kernel" and rank == 2:
        hwc = _flatten_order(variable_shape, array.shape) if key.startswith("FC.0.") else None
        if hwc is not None:
            # The original flattens NCHW maps (C, H, W); Keras flattens NHWC (H, W, C).
            h, w, c = hwc
            out = array.shape[0]
            return array.reshape(out, c, h, w).transpose(2, 3, 1, 0).reshape(h * w * c, out)
        return array.T
    if variable_name == "vector_v" and array.size == int(np.prod(variable_shape)):
        return _vector_v_to_keras(array, variable_shape)
    return array.reshape(variable_shape)


def _vector_v_to_keras(array, variable_shape, kernel_shape=None):
    # PyTorch flattens conv weights as (in, kh, kw); Keras reshapes kernels as (kh, kw, in).
    if kernel_shape is None or len(kernel_shape) != 4:
        return array.reshape(variable_shape)
    kh, kw, cin, _ = kernel_shape
    return array.reshape(cin, kh, kw).transpose(1, 2, 0).reshape(variable_shape)


def _vector_v_to_torch(array, kernel_shape):
    if len(kernel_shape) != 4:
        return array.reshape(-1)
    kh, kw, cin, _ = kernel_shape
    return array.reshape(kh, kw, cin).transpose(2, 0, 1).reshape(-1)


def to_torch(value: np.ndarray, variable_name: str, key: str, torch_shape: tuple | None = None):
    """Inverse of `to_keras` (used to state the expected shapes and to write state dicts)."""
    rank = value.ndim
    if variable_name == "kernel" and rank == 4:
        return np.transpose(value, (3, 2, 0, 1))
    if variable_name == "kernel" and rank == 2:
        hwc = _flatten_order(value.shape, (value.shape[1], value.shape[0])) if key.startswith("FC.0.") else None
        if hwc is not None:
            h, w, c = hwc
            out = value.shape[1]
            return value.reshape(h, w, c, out).transpose(3, 2, 0, 1).reshape(out, c * h * w)
        return value.T
    if variable_name == "vector_u":
        return value.reshape(-1)
    if variable_name in ("rho", "gamma", "beta") and key.count(".") >= 2 and not key.split(".")[-2] == "norm":
        return value.reshape(1, -1, 1, 1)  # LIN parameters are (1, C, 1, 1)
    if variable_name == "rho":
        return value.reshape(1, -1, 1, 1)
    if variable_name in ("w_gamma", "w_beta"):
        return value.reshape(1, -1)
    return value


def model_state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights as a state dict with the original's keys and layouts."""
    state = {}
    kernels = {}
    for variable, rel, name in _named_variables(model):
        key = torch_key(rel)
        value = np.asarray(variable.numpy())
        if name == "kernel":
            kernels[key.rsplit(".", 1)[0]] = value.shape
        state[key] = value, name
    out = {}
    for key, (value, name) in state.items():
        if name == "vector_v":
            out[key] = _vector_v_to_torch(value, kernels[key.rsplit(".", 1)[0]])
        else:
            out[key] = to_torch(value, name, key)
    return out


def assign_state_dict(model, state_dict: dict, network: str = "model") -> None:
    """Loads a state dict into `model`, all or nothing.

    Every tensor is checked before any variable is written: a missing, unexpected or mis-shaped
    tensor, or a non-finite value, raises `WeightsError` naming the key (and both shapes), and
    leaves the model untouched. The original's unused ConvBlock residual tensors are accepted when
    their shape fits the block.

    Args:
        model: a generator or discriminator built by `tf_p2c.models`.
        state_dict: mapping from the original's keys to numpy arrays.
        network: name used in messages (e.g. `genA2B`).
    """
    expected = model_state_dict(model)
    entries = _named_variables(model)
    pending = []
    kernel_shapes = {
        torch_key(rel).rsplit(".", 1)[0]: tuple(variable.shape)
        for variable, rel, name in entries if name == "kernel"
    }
    for variable, rel, name in entries:
        key = torch_key(rel)
        if key not in state_dict:
            raise WeightsError(f"{network}: missing tensor {key} (expected shape {tuple(expected[key].shape)})")
        array = np.asarray(state_dict[key])
        if tuple(array.shape) != tuple(expected[key].shape):
            raise WeightsError(
                f"{network}: tensor {key} has shape {tuple(array.shape)}, expected {tuple(expected[key].shape)}"
            )
        if not np.issubdtype(array.dtype, np.floating):
            raise WeightsError(f"{network}: tensor {key} has dtype {array.dtype}, expected a float type")
        if not np.all(np.isfinite(array)):
            raise WeightsError(f"{network}: tensor {key} holds NaN or infinite values")
        if name == "vector_v":
            value = _vector_v_to_keras(array, tuple(variable.shape), kernel_shapes[key.rsplit(".", 1)[0]])
        else:
            value = to_keras(array, name, tuple(variable.shape), key)
        pending.append((variable, value.astype(np.float32)))
    _check_extra_keys(state_dict, expected, network)
    for variable, value in pending:
        variable.assign(value)


def _check_extra_keys(state_dict, expected, network):
    for key in state_dict:
        if key in expected:
            continue
        if UNUSED_KEY.search(key):
            _check_unused_skip(state_dict, key, network)
            continue
        shape = tuple(np.asarray(state_dict[key]).shape)
        raise WeightsError(f"{network}: unexpected tensor {key} with shape {shape}; is this checkpoint for another architecture?")


def _check_unused_skip(state_dict, key, network):
    block = key[: -len("ConvBlock4.2.weight")]
    first = state_dict.get(block + "ConvBlock1.3.weight")
    shape = tuple(np.asarray(state_dict[key]).shape)
    if first is None:
        raise WeightsError(f"{network}: unexpected tensor {key} with shape {shape}")
    half_out, dim_in = np.asarray(first).shape[:2]
    if shape != (2 * half_out, dim_in, 1, 1):
        raise WeightsError(
            f"{network}: tensor {key} has shape {shape}, expected {(2 * half_out, dim_in, 1, 1)}"
        )
