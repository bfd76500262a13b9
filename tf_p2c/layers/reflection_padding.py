"""Reflection padding (PyTorch `nn.ReflectionPad2d`) for NHWC tensors."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tf_p2c")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by reflecting the border, without repeating the edge pixel.

    Args:
        padding: int, pixels added on each side of both spatial axes.
        **kwargs: base layer keyword arguments.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        if int(padding) != padding or padding < 0:
            raise ValueError(f"padding must be a non-negative integer. Received: padding={padding}")
        self.padding = int(padding)

    def call(self, inputs):
        if self.padding == 0:
            return inputs
        p = self.padding
        return tf.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        grow = lambda n: None if n is None else n + 2 * self.padding  # noqa: E731
        return (b, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
