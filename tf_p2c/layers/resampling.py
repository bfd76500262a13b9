"""Fixed-factor resampling used by the hourglass and decoder blocks."""

import keras
from keras import ops


def upsample_nearest_2x(x):
    """Nearest-neighbour x2 up-sampling of an NHWC tensor (PyTorch `Upsample(scale_factor=2)`)."""
    return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)


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
