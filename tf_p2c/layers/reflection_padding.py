"""Reflection padding (PyTorch `nn.ReflectionPad2d`) for NHWC tensors."""

import keras
import tensorflow as tf

from tf_p2c.layers.lowering import tflite_lowering_active


def _reflect_axis(x, p, axis, n):
    def line(i):
        return x[:, i:i + 1] if axis == 1 else x[:, :, i:i + 1]

    before = [line(i) for i in range(p, 0, -1)]
    after = [line(n - 1 - i) for i in range(1, p + 1)]
    return tf.concat(before + [x] + after, axis=axis)


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
        h, w = inputs.shape[1], inputs.shape[2]
        if tflite_lowering_active() and h is not None and w is not None and p < min(h, w):
            # STRIDED_SLICE / CONCATENATION, which XNNPACK runs (see `tf_p2c.layers.lowering`).
            return _reflect_axis(_reflect_axis(inputs, p, 1, h), p, 2, w)
        return tf.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        grow = lambda n: None if n is None else n + 2 * self.padding  # noqa: E731
        return (b, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
