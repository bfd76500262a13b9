"""Residual blocks of the generator's encoder and decoder bottlenecks."""

import keras
from keras import layers, ops

from tf_p2c.layers.instance_norm import InstanceNormalization
from tf_p2c.layers.reflection_padding import ReflectionPadding2D
from tf_p2c.layers.soft_ada_lin import SoftAdaLIN


@keras.saving.register_keras_serializable(package="tf_p2c")
class ResnetBlock(keras.layers.Layer):
    """`x + IN(conv(pad(ReLU(IN(conv(pad(x)))))))` with bias-free 3x3 convolutions.

    Args:
        dim: channels.
        **kwargs: base layer keyword arguments.
    """

    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.pad = ReflectionPadding2D(1, name="pad")
        self.conv1 = layers.Conv2D(dim, 3, use_bias=False, name="conv_block_1")
        self.norm1 = InstanceNormalization(name="conv_block_2")
        self.conv2 = layers.Conv2D(dim, 3, use_bias=False, name="conv_block_5")
        self.norm2 = InstanceNormalization(name="conv_block_6")

    def build(self, input_shape):
        self.conv1.build(input_shape)
        self.conv2.build(input_shape)

    def call(self, x):
        out = ops.relu(self.norm1(self.conv1(self.pad(x))))
        return x + self.norm2(self.conv2(self.pad(out)))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


@keras.saving.register_keras_serializable(package="tf_p2c")
class ResnetSoftAdaLINBlock(keras.layers.Layer):
    """Decoder residual block normalised by Soft-AdaLIN.

    Called as `block([x, content, style])`; returns
    `x + SoftAdaLIN(conv(pad(ReLU(SoftAdaLIN(conv(pad(x)))))))`.

    Args:
        dim: channels.
        **kwargs: base layer keyword arguments.
    """

    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.pad = ReflectionPadding2D(1, name="pad")
        self.conv1 = layers.Conv2D(dim, 3, use_bias=False, name="conv1")
        self.norm1 = SoftAdaLIN(dim, name="norm1")
        self.conv2 = layers.Conv2D(dim, 3, use_bias=False, name="conv2")
        self.norm2 = SoftAdaLIN(dim, name="norm2")

    def build(self, input_shape):
        x_shape, content_shape, style_shape = input_shape
        self.conv1.build(x_shape)
        self.conv2.build(x_shape)
        self.norm1.build([x_shape, content_shape, style_shape])
        self.norm2.build([x_shape, content_shape, style_shape])

    def call(self, inputs):
        x, content, style = inputs
        out = ops.relu(self.norm1([self.conv1(self.pad(x)), content, style]))
        out = self.norm2([self.conv2(self.pad(out)), content, style])
        return x + out

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}
