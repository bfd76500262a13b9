"""Statistics shared by the instance / layer normalisations, and affine-free instance norm."""

import keras
import numpy as np
from keras import ops


def _mean_axis_by_axis(x, axes):
    # One axis at a time keeps each float32 sum short (at most one side of the map), instead of
    # a single running sum over H*W elements, whose rounding error grows with the map size.
    for axis in sorted(axes, reverse=True):
        x = ops.mean(x, axis=axis, keepdims=True)
    return x


def _variance_correction(x, axes, unbiased):
    """1, or n / (n - 1) for the unbiased variance over `axes` (n elements)."""
    if not unbiased:
        return 1.0
    sides = [x.shape[axis] for axis in axes]
    if all(side is not None for side in sides):
        # One Python-float factor. Keeping n itself as a graph constant breaks float16 export:
        # n = 65,536 (a 256x256 instance norm) or more (layer norm) overflows float16 (max
        # 65,504), and the fp16 TFLite model fell to ~10 dB PSNR.
        count = float(np.prod(sides))
        return count / (count - 1.0)
    count = 1
    for axis in axes:
        count *= ops.shape(x)[axis]
    count = ops.cast(count, x.dtype)
    return count / (count - 1.0)


def normalize_over(x, axes, eps, unbiased):
    """(x - mean) / sqrt(var + eps) over `axes`, with a hand-written gradient.

    The original's adaLIN and LIN use `torch.var`, whose default is the unbiased estimate
    (divides by N - 1), while its `nn.InstanceNorm2d` layers use the biased one; the two differ by
    about 1e-4 relative at 64x64, enough to break tight parity. The variance is the two-pass
    mean of squared deviations (`keras.ops.moments` computes E[x^2] - E[x]^2).

    The gradient is the closed form `dx = (g - mean(g) - y * mean(g * y) * c) / sqrt(var + eps)`
    (y the output, c the variance correction). Automatic differentiation of the forward ops
    builds about five times as many graph nodes per normalisation; the generators hold ~200 of
    them, and that graph dominated the training step's tracing time and memory.
    """
    correction = _variance_correction(x, axes, unbiased)

    @ops.custom_gradient
    def normalize(x):
        centered = x - _mean_axis_by_axis(x, axes)
        var = _mean_axis_by_axis(ops.square(centered), axes)
        if unbiased:
            var = var * correction
        inv_std = ops.rsqrt(var + eps)
        out = centered * inv_std

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            # One reduction over all axes: gradients do not need the forward's short sums.
            projection = ops.mean(upstream * out, axis=axes, keepdims=True)
            if unbiased:
                projection = projection * correction
            return inv_std * (upstream - ops.mean(upstream, axis=axes, keepdims=True) - out * projection)

        return out, grad

    return normalize(x)


@keras.saving.register_keras_serializable(package="tf_p2c")
class InstanceNormalization(keras.layers.Layer):
    """Instance normalisation without affine parameters (PyTorch `nn.InstanceNorm2d` defaults).

    Args:
        epsilon: added to the biased per-channel variance.
        **kwargs: base layer keyword arguments.
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        if epsilon <= 0:
            raise ValueError(f"epsilon must be positive. Received: epsilon={epsilon}")
        self.epsilon = epsilon

    def call(self, inputs):
        return normalize_over(inputs, axes=(1, 2), eps=self.epsilon, unbiased=False)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
