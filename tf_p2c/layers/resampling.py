"""Fixed-factor resampling used by the hourglass and decoder blocks."""

import keras
from keras import ops


def upsample_nearest_2x(x):
    """Nearest-neighbour x2 up-sampling of an NHWC tensor (PyTorch `Upsample(scale_factor=2)`).

    With static sides it is written as two channel-axis concatenations and reshapes:
    concatenating x with itself on channels and reshaping to (B, H, 2W, C) repeats every pixel
    along the width; the same on (B, H, 2W*C) rows repeats every row. TFLite lowers this to
    CONCATENATION / RESHAPE, which XNNPACK runs; `repeat` lowers to TILE and
    `image.resize(nearest)` to RESIZE_NEAREST_NEIGHBOR, neither of which XNNPACK delegates.
    """
    _, h, w, c = x.shape
    if h is None or w is None or c is None:
        return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)
    x = ops.reshape(ops.concatenate([x, x], axis=-1), (-1, h, 2 * w, c))
    x = ops.reshape(x, (-1, h, 1, 2 * w * c))
    return ops.reshape(ops.concatenate([x, x], axis=2), (-1, 2 * h, 2 * w, c))


def avg_pool_2x(x):
    """2x2 average pooling with stride 2 (PyTorch `F.avg_pool2d(x, 2)`)."""
    return ops.average_pool(x, pool_size=2, strides=2, padding="valid")


@keras.saving.register_keras_serializable(package="tf_p2c")
class NearestUpsampling2x(keras.layers.Layer):
    """Layer form of `upsample_nearest_2x` (one place to change how up-sampling lowers)."""

    def call(self, inputs):
        return upsample_nearest_2x(inputs)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        return (b, None if h is None else 2 * h, None if w is None else 2 * w, c)
