"""Spectral normalisation with the original's (PyTorch) semantics."""

import keras
from keras import ops


def _l2_normalize(x, eps=1e-12):
    # Same guard as torch.nn.functional.normalize: divide by max(||x||, eps).
    return x / ops.maximum(ops.sqrt(ops.sum(ops.square(x))), eps)


@keras.saving.register_keras_serializable(package="tf_p2c")
class SpectralNorm(keras.layers.SpectralNormalization):
    """Spectral normalisation of a `Conv2D` or `Dense` kernel, as `torch.nn.utils.spectral_norm`.

    Keras' wrapper overwrites the kernel with `W / sigma` at every training call and uses the raw
    kernel at inference. The original instead keeps the raw weight (`weight_orig`) as the trained
    parameter, computes `W / sigma` on every forward, runs one power iteration per training forward
    (no gradient through `u`, `v`), and at inference uses `sigma = u^T W v` from the stored
    vectors. This subclass does the same, so imported discriminators give the original's outputs
    in both modes and training follows the same gradients. `vector_u` (1, out) and
    `vector_v` (1, kh*kw*in) are the original's `weight_u` / `weight_v`.

    Args:
        layer: a `keras.layers.Conv2D` or `keras.layers.Dense`.
        power_iterations: power iterations per training call.
        **kwargs: base wrapper keyword arguments.

    Reference: Miyato et al., "Spectral Normalization for GANs", arXiv:1802.05957.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            raise ValueError(
                f"SpectralNorm wraps Conv2D or Dense layers. Received: layer={type(layer).__name__}"
            )
        super().__init__(layer, power_iterations=power_iterations, **kwargs)

    def build(self, input_shape):
        super().build(input_shape)
        rows = 1
        for dim in self.kernel_shape[:-1]:
            rows *= dim
        seed = keras.random.SeedGenerator()
        self.vector_u.assign(_l2_normalize(keras.random.normal(self.vector_u.shape, seed=seed)))
        self.vector_v = self.add_weight(
            shape=(1, rows), initializer="zeros", trainable=False, name="vector_v",
            dtype=self.kernel.dtype,
        )
        self.vector_v.assign(_l2_normalize(keras.random.normal((1, rows), seed=seed)))

    def call(self, inputs, training=False):
        weights = ops.reshape(self.kernel, (-1, self.kernel_shape[-1]))
        u, v = self.vector_u, self.vector_v
        if training:
            u, v = ops.convert_to_tensor(u), ops.convert_to_tensor(v)
            for _ in range(self.power_iterations):
                v = _l2_normalize(ops.matmul(u, ops.transpose(weights)))
                u = _l2_normalize(ops.matmul(v, weights))
            u, v = ops.stop_gradient(u), ops.stop_gradient(v)
            self.vector_u.assign(u)
            self.vector_v.assign(v)
        sigma = ops.sum(ops.matmul(v, weights) * u)
        kernel = ops.cast(self.kernel / sigma, inputs.dtype)
        layer = self.layer
        if isinstance(layer, keras.layers.Conv2D):
            outputs = layer.convolution_op(inputs, kernel)
        else:
            outputs = ops.matmul(inputs, kernel)
        if layer.use_bias:
            outputs = outputs + ops.cast(layer.bias, inputs.dtype)
        if layer.activation is not None:
            outputs = layer.activation(outputs)
        return outputs
