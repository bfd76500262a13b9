"""Soft-AdaLIN: AdaLIN whose gamma / beta blend content and style statistics."""

import keras
from keras import layers

from tf_p2c.layers.ada_lin import AdaLIN
from tf_p2c.layers.constraints import ClipTo01


@keras.saving.register_keras_serializable(package="tf_p2c")
class SoftAdaLIN(keras.layers.Layer):
    """AdaLIN with `gamma = (1 - w) * style_gamma + w * content_gamma` (same for beta).

    Called as `layer([x, content, style])`: `x` (B, H, W, C), `content` (B, C) the pooled encoder
    feature of the matching depth, `style` (B, C) the style vector. The content path is a
    two-layer MLP, the style path one dense layer; `w_gamma`, `w_beta` start at 0 (style only)
    and are kept in [0, 1].

    Args:
        channels: C.
        eps: AdaLIN epsilon.
        **kwargs: base layer keyword arguments.

    Reference: photo2cartoon (minivision-ai), Soft-AdaLIN; U-GAT-IT, arXiv:1907.10830.
    """

    def __init__(self, channels, eps=1e-5, **kwargs):
        super().__init__(**kwargs)
        if channels < 1:
            raise ValueError(f"channels must be positive. Received: channels={channels}")
        self.channels = channels
        self.eps = eps
        self.norm = AdaLIN(eps=eps, name="norm")
        # One attribute per layer: layers kept in Python lists are invisible to tf.train.Checkpoint.
        self.c_gamma_0 = layers.Dense(channels, activation="relu", name="c_gamma_0")
        self.c_gamma_2 = layers.Dense(channels, name="c_gamma_2")
        self.c_beta_0 = layers.Dense(channels, activation="relu", name="c_beta_0")
        self.c_beta_2 = layers.Dense(channels, name="c_beta_2")
        self.s_gamma = layers.Dense(channels, name="s_gamma")
        self.s_beta = layers.Dense(channels, name="s_beta")

    def build(self, input_shape):
        x_shape, _, style_shape = input_shape
        vector = (x_shape[0], self.channels)
        for dense in (self.c_gamma_0, self.c_gamma_2, self.c_beta_0, self.c_beta_2):
            dense.build(vector)
        self.s_gamma.build(style_shape)
        self.s_beta.build(style_shape)
        self.norm.build([x_shape, vector, vector])
        self.w_gamma = self.add_weight(
            name="w_gamma", shape=(self.channels,), initializer="zeros", constraint=ClipTo01()
        )
        self.w_beta = self.add_weight(
            name="w_beta", shape=(self.channels,), initializer="zeros", constraint=ClipTo01()
        )

    def call(self, inputs):
        x, content, style = inputs
        content_gamma = self.c_gamma_2(self.c_gamma_0(content))
        content_beta = self.c_beta_2(self.c_beta_0(content))
        gamma = (1.0 - self.w_gamma) * self.s_gamma(style) + self.w_gamma * content_gamma
        beta = (1.0 - self.w_beta) * self.s_beta(style) + self.w_beta * content_beta
        return self.norm([x, gamma, beta])

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "eps": self.eps}
