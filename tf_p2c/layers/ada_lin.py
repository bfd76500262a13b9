"""Adaptive Layer-Instance Normalisation (AdaLIN) and its non-adaptive form (LIN).

Reference: Kim et al., "U-GAT-IT: Unsupervised Generative Attentional Networks with Adaptive
Layer-Instance Normalization for Image-to-Image Translation", arXiv:1907.10830.
"""

import keras

from tf_p2c.layers.constraints import ClipTo01
from tf_p2c.layers.instance_norm import normalize_over


def _check_eps(eps):
    if eps <= 0:
        raise ValueError(f"eps must be positive. Received: eps={eps}")


def _mix_instance_and_layer(x, rho, eps):
    out_in = normalize_over(x, axes=(1, 2), eps=eps, unbiased=True)
    out_ln = normalize_over(x, axes=(1, 2, 3), eps=eps, unbiased=True)
    return rho * out_in + (1.0 - rho) * out_ln


@keras.saving.register_keras_serializable(package="tf_p2c")
class AdaLIN(keras.layers.Layer):
    """`rho * IN(x) + (1 - rho) * LN(x)`, then scaled and shifted by per-sample gamma and beta.

    Called as `layer([x, gamma, beta])` with `x` of shape (B, H, W, C) and `gamma`, `beta` of
    shape (B, C). `rho` (one per channel) starts at 0.9 and is kept in [0, 1].

    Args:
        eps: added to the (unbiased) variances.
        **kwargs: base layer keyword arguments.

    Reference: U-GAT-IT, arXiv:1907.10830, eq. (1).
    """

    def __init__(self, eps=1e-5, **kwargs):
        super().__init__(**kwargs)
        _check_eps(eps)
        self.eps = eps

    def build(self, input_shape):
        channels = input_shape[0][-1]
        self.rho = self.add_weight(
            name="rho", shape=(channels,), initializer=keras.initializers.Constant(0.9),
            constraint=ClipTo01(),
        )

    def call(self, inputs):
        x, gamma, beta = inputs
        out = _mix_instance_and_layer(x, self.rho, self.eps)
        return out * gamma[:, None, None, :] + beta[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "eps": self.eps}


@keras.saving.register_keras_serializable(package="tf_p2c")
class LIN(keras.layers.Layer):
    """Layer-Instance Normalisation with learned per-channel `rho`, `gamma`, `beta`.

    `rho` starts at 0 (pure layer norm) and is kept in [0, 1]; `gamma` starts at 1, `beta` at 0.

    Args:
        eps: added to the (unbiased) variances.
        **kwargs: base layer keyword arguments.

    Reference: U-GAT-IT, arXiv:1907.10830 (decoder up-sampling blocks).
    """

    def __init__(self, eps=1e-5, **kwargs):
        super().__init__(**kwargs)
        _check_eps(eps)
        self.eps = eps

    def build(self, input_shape):
        channels = input_shape[-1]
        self.rho = self.add_weight(
            name="rho", shape=(channels,), initializer="zeros", constraint=ClipTo01()
        )
        self.gamma = self.add_weight(name="gamma", shape=(channels,), initializer="ones")
        self.beta = self.add_weight(name="beta", shape=(channels,), initializer="zeros")

    def call(self, inputs):
        return _mix_instance_and_layer(inputs, self.rho, self.eps) * self.gamma + self.beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "eps": self.eps}
