"""The photo2cartoon generator: hourglass encoder, CAM attention, Soft-AdaLIN decoder."""

from __future__ import annotations

import keras
from keras import layers

from tf_p2c.config import ModelConfig
from tf_p2c.layers import (
    LIN,
    CAMAttention,
    HourGlass,
    InstanceNormalization,
    ReflectionPadding2D,
    ResnetBlock,
    ResnetSoftAdaLINBlock,
)
from tf_p2c.layers.resampling import NearestUpsampling2x
from tf_p2c.models.torch_init import init_like_torch

N_BOTTLENECK_BLOCKS = 4


def _pad_conv(x, filters, kernel_size, name, stride=1):
    x = ReflectionPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
    return layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_conv")(x)


def _conv_in_relu(x, filters, kernel_size, name, stride=1):
    x = _pad_conv(x, filters, kernel_size, name, stride)
    x = InstanceNormalization(name=f"{name}_norm")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def _generator_graph(config: ModelConfig):
    """(inputs, [image, cam_logit, heatmap]) of the generator's functional graph."""
    ngf, size = config.ngf, config.img_size
    inputs = keras.Input((size, size, 3), name="input")

    x = _conv_in_relu(inputs, ngf, 7, "ConvBlock1")
    x = HourGlass(ngf, ngf, name="HourGlass1")(x)
    x = HourGlass(ngf, ngf, name="HourGlass2")(x)
    x = _conv_in_relu(x, ngf * 2, 3, "DownBlock1", stride=2)
    x = _conv_in_relu(x, ngf * 4, 3, "DownBlock2", stride=2)

    content = []
    for i in range(1, N_BOTTLENECK_BLOCKS + 1):
        x = ResnetBlock(ngf * 4, name=f"EncodeBlock{i}")(x)
        content.append(layers.GlobalAveragePooling2D(name=f"content_features{i}")(x))

    x, cam_logit, heatmap = CAMAttention(ngf * 4, name="CAM")(x)

    if config.light:
        style = layers.GlobalAveragePooling2D(name="FC_pool")(x)
    else:
        style = layers.Flatten(name="FC_flatten")(x)
    style = layers.Dense(ngf * 4, activation="relu", name="FC_0")(style)
    style = layers.Dense(ngf * 4, activation="relu", name="FC_2")(style)

    # Content features enter the decoder deepest first: DecodeBlock1 gets content_features4.
    for i, feature in enumerate(reversed(content), start=1):
        x = ResnetSoftAdaLINBlock(ngf * 4, name=f"DecodeBlock{i}")([x, feature, style])

    for i, filters in enumerate((ngf * 2, ngf), start=1):
        x = NearestUpsampling2x(name=f"UpBlock{i}_upsample")(x)
        x = _pad_conv(x, filters, 3, f"UpBlock{i}")
        x = LIN(name=f"UpBlock{i}_norm")(x)
        x = layers.ReLU(name=f"UpBlock{i}_relu")(x)

    x = HourGlass(ngf, ngf, name="HourGlass3")(x)
    x = HourGlass(ngf, ngf, use_res=False, name="HourGlass4")(x)
    x = _pad_conv(x, 3, 7, "ConvBlock2")
    image = layers.Activation("tanh", name="image")(x)

    cam_logit = layers.Identity(name="cam_logit")(cam_logit)
    heatmap = layers.Identity(name="heatmap")(heatmap)
    return inputs, [image, cam_logit, heatmap]


@keras.saving.register_keras_serializable(package="tf_p2c")
class Generator(keras.Model):
    """The photo2cartoon generator, a functional model that carries its `ModelConfig`.

    Input: (B, img_size, img_size, 3) float32 RGB in [-1, 1]. Outputs: `image` (same shape, in
    [-1, 1]), `cam_logit` (B, 2) and `heatmap` (B, img_size/4, img_size/4, 1). Layer names
    follow the original's module names (e.g. `DownBlock1_conv` is `DownBlock1.1`), which is what
    weight import maps by. Kernels and biases start as the original's do (`init_like_torch`).

    The architecture is `model_config`; `get_config` holds it, so a `.keras` file reloads as a
    `Generator` with the same config, and export metadata reads it from the model.

    Args:
        model_config: architecture; `ngf`, `img_size` and `light` are used.
        name: model name (`genA2B`, `genB2A` in a photo2cartoon checkpoint).
        **kwargs: `keras.Model` arguments (`trainable`, `dtype`).

    Reference:
        Kim et al., "U-GAT-IT", arXiv:1907.10830; minivision-ai/photo2cartoon `ResnetGenerator`.

    Example:
        >>> model = Generator(ModelConfig(ngf=8, img_size=64))
        >>> image, cam_logit, heatmap = model(keras.ops.zeros((1, 64, 64, 3)))
    """

    def __init__(self, model_config: ModelConfig = ModelConfig(), name: str = "generator", **kwargs):
        if not isinstance(model_config, ModelConfig):
            raise ValueError(f"model_config must be a ModelConfig. Received: model_config={model_config!r}")
        inputs, outputs = _generator_graph(model_config)
        super().__init__(inputs, outputs, name=name, **kwargs)
        self.model_config = model_config
        init_like_torch(self)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "model_config": self.model_config.to_dict()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["model_config"] = ModelConfig.from_dict(config["model_config"])
        return cls(**config)


def build_generator(config: ModelConfig = ModelConfig(), name: str = "generator") -> Generator:
    """The generator of `config` (a `Generator`), initialised as the original's.

    Args:
        config: architecture; `ngf`, `img_size` and `light` are used.
        name: model name.
    """
    return Generator(config, name=name)
