"""MobileFaceNet: the frozen face-embedding network behind photo2cartoon's Face-ID loss.

The architecture is InsightFace_Pytorch's `MobileFaceNet(embedding_size=512)`, which the original
trainer loads from `model_mobilefacenet.pth` and runs in eval mode. Keras layer names equal the
PyTorch module paths (`conv_23.conv_dw.bn`, `conv_3.model.0.project.conv`, ...) so the importer
maps every state-dict key to one variable by name, and a missing or extra key is an error.

Layout: NHWC float32, input 112x112 RGB in [-1, 1]; output (B, embedding_size), L2-normalised.
BatchNorm runs with its running statistics (inference) and every layer is frozen.

`width` scales every channel count (64, 128, 512 and the expansion "groups"); 1.0 is the released
network. Smaller widths exist for small test fixtures; the structure is otherwise identical.

Reference: Chen et al., "MobileFaceNets", arXiv:1804.07573; InsightFace_Pytorch `model.py`.
"""

from __future__ import annotations

import os

import keras
import numpy as np

from tf_p2c.convert.state_dict import WeightsError

__all__ = [
    "INPUT_SIZE",
    "assign_mobilefacenet_state_dict",
    "build_mobilefacenet",
    "load_mobilefacenet",
    "mobilefacenet_state_dict",
]

INPUT_SIZE = 112
BN_EPSILON = 1e-5  # PyTorch BatchNorm default
_IGNORED_SUFFIXES = (".num_batches_tracked",)


def _channels(base: int, width: float) -> int:
    return max(1, round(base * width))


class _Builder:
    """Creates the layers with the original's module paths as names.

    Every layer is float32 whatever the global dtype policy: the embedding feeds a loss, and a
    mixed-precision trainer casts its images to float32 before the crop.
    """

    dtype = "float32"

    def conv(self, x, filters, kernel, stride, padding, groups, name):
        if padding:
            x = keras.layers.ZeroPadding2D(padding, name=f"{name}.pad", dtype=self.dtype)(x)
        if groups == 1:
            return keras.layers.Conv2D(filters, kernel, strides=stride, use_bias=False, name=name, dtype=self.dtype)(x)
        if groups != x.shape[-1] or groups != filters:
            raise ValueError(f"only depthwise grouped convolutions are used. Received: groups={groups}")
        return keras.layers.DepthwiseConv2D(kernel, strides=stride, use_bias=False, name=name, dtype=self.dtype)(x)

    def bn(self, x, name):
        return keras.layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.9, name=name, dtype=self.dtype)(x, training=False)

    def conv_block(self, x, filters, name, kernel=1, stride=1, padding=0, groups=1):
        """Conv_block: conv (no bias), BatchNorm, PReLU(out_c)."""
        x = self.conv(x, filters, kernel, stride, padding, groups, f"{name}.conv")
        x = self.bn(x, f"{name}.bn")
        return keras.layers.PReLU(shared_axes=[1, 2], name=f"{name}.prelu", dtype=self.dtype)(x)

    def linear_block(self, x, filters, name, kernel=1, stride=1, padding=0, groups=1):
        """Linear_block: conv (no bias), BatchNorm; no activation."""
        x = self.conv(x, filters, kernel, stride, padding, groups, f"{name}.conv")
        return self.bn(x, f"{name}.bn")

    def depth_wise(self, x, out_c, groups, stride, name, residual=False):
        """Depth_Wise: 1x1 expand to `groups`, depthwise 3x3, 1x1 linear projection (+ shortcut)."""
        shortcut = x
        y = self.conv_block(x, groups, f"{name}.conv")
        y = self.conv_block(y, groups, f"{name}.conv_dw", kernel=3, stride=stride, padding=1, groups=groups)
        y = self.linear_block(y, out_c, f"{name}.project")
        if residual:
            y = keras.layers.Add(name=f"{name}.add", dtype=self.dtype)([shortcut, y])
        return y

    def residual(self, x, channels, num_block, groups, name):
        for i in range(num_block):
            x = self.depth_wise(x, channels, groups, 1, f"{name}.model.{i}", residual=True)
        return x


def build_mobilefacenet(embedding_size: int = 512, width: float = 1.0, name: str = "mobilefacenet") -> keras.Model:
    """The MobileFaceNet embedding network, frozen, BatchNorm in inference mode.

    Args:
        embedding_size: length of the output embedding (512 in photo2cartoon).
        width: channel multiplier; 1.0 is the released architecture.
        name: model name.

    Returns:
        A `keras.Model` mapping (B, 112, 112, 3) float32 in [-1, 1] to (B, embedding_size)
        unit-length embeddings, with `trainable=False`.

    Reference:
        MobileFaceNets, arXiv:1804.07573.

    Example:
        >>> model = build_mobilefacenet()
        >>> model(np.zeros((1, 112, 112, 3), "float32")).shape
        TensorShape([1, 512])
    """
    if embedding_size < 1:
        raise ValueError(f"embedding_size must be positive. Received: embedding_size={embedding_size}")
    if width <= 0:
        raise ValueError(f"width must be positive. Received: width={width}")
    c64, c128, c256, c512 = (_channels(c, width) for c in (64, 128, 256, 512))
    b = _Builder()
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="face", dtype="float32")
    x = b.conv_block(inputs, c64, "conv1", kernel=3, stride=2, padding=1)
    x = b.conv_block(x, c64, "conv2_dw", kernel=3, stride=1, padding=1, groups=c64)
    x = b.depth_wise(x, c64, c128, 2, "conv_23")
    x = b.residual(x, c64, 4, c128, "conv_3")
    x = b.depth_wise(x, c128, c256, 2, "conv_34")
    x = b.residual(x, c128, 6, c256, "conv_4")
    x = b.depth_wise(x, c128, c512, 2, "conv_45")
    x = b.residual(x, c128, 2, c256, "conv_5")
    x = b.conv_block(x, c512, "conv_6_sep")
    x = b.linear_block(x, c512, "conv_6_dw", kernel=7, groups=c512)
    x = keras.layers.Flatten(name="conv_6_flatten", dtype=b.dtype)(x)
    x = keras.layers.Dense(embedding_size, use_bias=False, name="linear", dtype=b.dtype)(x)
    x = b.bn(x, "bn")
    outputs = keras.layers.UnitNormalization(axis=-1, name="l2_norm", dtype=b.dtype)(x)
    model = keras.Model(inputs, outputs, name=name)
    model.trainable = False
    return model


# ------------------------------------------------------------------------------------- weights

# (Keras layer type, Keras variable name) -> (state-dict suffix, converter to the Keras layout).
_BN = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}


def _variable_entries(model):
    """Yields (state-dict key, Keras variable, to_keras, to_torch) for every variable of `model`."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            # torch (C, 1, kh, kw) <-> Keras (kh, kw, C, 1)
            yield (f"{layer.name}.weight", layer.kernel,
                   lambda a: np.transpose(a, (2, 3, 0, 1)), lambda v: np.transpose(v, (2, 3, 0, 1)))
        elif isinstance(layer, keras.layers.Conv2D):
            yield (f"{layer.name}.weight", layer.kernel,
                   lambda a: np.transpose(a, (2, 3, 1, 0)), lambda v: np.transpose(v, (3, 2, 0, 1)))
        elif isinstance(layer, keras.layers.Dense):
            yield f"{layer.name}.weight", layer.kernel, np.transpose, np.transpose
        elif isinstance(layer, keras.layers.PReLU):
            yield (f"{layer.name}.weight", layer.alpha,
                   lambda a: a.reshape(1, 1, -1), lambda v: v.reshape(-1))
        elif isinstance(layer, keras.layers.BatchNormalization):
            for variable in layer.weights:
                suffix = _BN[variable.name]
                yield f"{layer.name}.{suffix}", variable, lambda a: a, lambda v: v


def mobilefacenet_state_dict(model) -> dict[str, np.ndarray]:
    """The model's weights as an InsightFace_Pytorch state dict (without num_batches_tracked)."""
    return {key: to_torch(np.asarray(var.numpy())) for key, var, _, to_torch in _variable_entries(model)}


def _strip_prefix(state: dict) -> dict:
    out = {}
    for key, value in state.items():
        while key.startswith("module."):
            key = key[len("module."):]
        out[key] = value
    return out


def assign_mobilefacenet_state_dict(model, state: dict, source: str = "state dict") -> None:
    """Loads an InsightFace_Pytorch MobileFaceNet state dict into `model`, all or nothing.

    `module.` prefixes (DataParallel) are tolerated and `num_batches_tracked` ignored; any other
    missing or extra key, or a shape mismatch, raises a one-line `WeightsError`.
    """
    state = {k: v for k, v in _strip_prefix(state).items() if not k.endswith(_IGNORED_SUFFIXES)}
    updates = []
    expected = set()
    for key, variable, to_keras, to_torch in _variable_entries(model):
        expected.add(key)
        if key not in state:
            raise WeightsError(f"{source}: missing key {key} (not a MobileFaceNet state dict?)")
        array = np.asarray(state[key])
        want = tuple(to_torch(np.zeros(variable.shape, np.float32)).shape)
        if tuple(array.shape) != want:
            raise WeightsError(f"{source}: {key} has shape {tuple(array.shape)}, the network expects {want}")
        if not np.issubdtype(array.dtype, np.floating):
            raise WeightsError(f"{source}: {key} has dtype {array.dtype}, expected floating point")
        value = to_keras(array.astype(np.float32))
        if not np.all(np.isfinite(value)):
            raise WeightsError(f"{source}: {key} holds NaN or infinite values")
        updates.append((variable, value))
    extra = sorted(set(state) - expected)
    if extra:
        raise WeightsError(f"{source}: unexpected key {extra[0]}" + (f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))
    for variable, value in updates:
        variable.assign(value)


def _architecture(state: dict, source: str) -> tuple[int, float]:
    """(embedding_size, width) read from the tensors' shapes."""
    conv1 = state.get("conv1.conv.weight")
    linear = state.get("linear.weight")
    if conv1 is None or linear is None or np.ndim(conv1) != 4 or np.ndim(linear) != 2:
        raise WeightsError(f"{source}: no conv1.conv.weight / linear.weight tensors; not a MobileFaceNet state dict")
    width = conv1.shape[0] / 64.0
    return int(linear.shape[0]), width


def load_mobilefacenet(path) -> keras.Model:
    """The frozen MobileFaceNet with the weights of an InsightFace_Pytorch `.pth` file.

    Args:
        path: `model_mobilefacenet.pth` (a state dict, zip or legacy torch format; read without
            torch and without running pickled code), or a dict holding it under `state_dict`.

    Raises:
        FileNotFoundError: no such file.
        WeightsError: (a `ValueError`) the file is not a MobileFaceNet checkpoint.
    """
    from tf_p2c.convert.torch_pickle import CheckpointError, load_torch_checkpoint

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        state = load_torch_checkpoint(path)
    except CheckpointError as error:
        raise WeightsError(f"{path}: {str(error).splitlines()[0]}") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise WeightsError(f"{path}: not a state dict")
    state = _strip_prefix(state)
    embedding_size, width = _architecture(state, path)
    model = build_mobilefacenet(embedding_size, width)
    assign_mobilefacenet_state_dict(model, state, path)
    return model
