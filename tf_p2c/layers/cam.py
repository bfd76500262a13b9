"""Class Activation Map (CAM) attention head shared by the generator and the discriminators."""

import keras
from keras import layers, ops

from tf_p2c.layers.spectral_norm import SpectralNorm


@keras.saving.register_keras_serializable(package="tf_p2c")
class CAMAttention(keras.layers.Layer):
    """Auxiliary-classifier attention of U-GAT-IT.

    Two one-unit classifiers score the globally average- and max-pooled features (`cam_logit`,
    shape (B, 2)); the feature map is then re-weighted channel-wise by each classifier's weight
    row, the two maps are concatenated and fused by a 1x1 convolution and an activation.
    `heatmap` is the channel sum of the result.

    With `spectral_norm=True` (the discriminators) the logits use the normalised weight while
    the maps use the raw one: the original takes the map weights from `parameters()[0]`, which
    under PyTorch's spectral norm is `weight_orig`.

    Args:
        channels: feature channels C (the fused map keeps C channels).
        use_bias: whether the classifiers have a bias (generator: yes, discriminator: no).
        spectral_norm: wrap the classifiers in `SpectralNorm`.
        negative_slope: 0 for ReLU (generator), 0.2 for LeakyReLU (discriminator).
        **kwargs: base layer keyword arguments.

    Reference: U-GAT-IT, arXiv:1907.10830, section 2.1.1.
    """

    def __init__(self, channels, use_bias=True, spectral_norm=False, negative_slope=0.0, **kwargs):
        super().__init__(**kwargs)
        if channels < 1:
            raise ValueError(f"channels must be positive. Received: channels={channels}")
        self.channels = channels
        self.use_bias = use_bias
        self.spectral_norm = spectral_norm
        self.negative_slope = negative_slope
        self.gap_fc = self._classifier("gap_fc")
        self.gmp_fc = self._classifier("gmp_fc")
        self.conv1x1 = layers.Conv2D(channels, 1, name="conv1x1")

    def _classifier(self, name):
        dense = layers.Dense(1, use_bias=self.use_bias, name=name)
        return SpectralNorm(dense, name=name) if self.spectral_norm else dense

    def _map_weight(self, classifier):
        dense = classifier.layer if self.spectral_norm else classifier
        return dense.kernel[:, 0]

    def build(self, input_shape):
        pooled = (input_shape[0], self.channels)
        self.gap_fc.build(pooled)
        self.gmp_fc.build(pooled)
        self.conv1x1.build((*input_shape[:-1], 2 * self.channels))

    def call(self, x, training=False):
        gap_logit = self.gap_fc(ops.mean(x, axis=(1, 2)), training=training)
        gmp_logit = self.gmp_fc(ops.max(x, axis=(1, 2)), training=training)
        gap = x * ops.cast(self._map_weight(self.gap_fc), x.dtype)
        gmp = x * ops.cast(self._map_weight(self.gmp_fc), x.dtype)
        cam_logit = ops.concatenate([gap_logit, gmp_logit], axis=-1)
        x = self.conv1x1(ops.concatenate([gap, gmp], axis=-1))
        x = ops.leaky_relu(x, self.negative_slope) if self.negative_slope else ops.relu(x)
        heatmap = ops.sum(x, axis=-1, keepdims=True)
        return x, cam_logit, heatmap

    def compute_output_shape(self, input_shape):
        return input_shape, (input_shape[0], 2), (*input_shape[:-1], 1)

    def get_config(self):
        return {
            **super().get_config(),
            "channels": self.channels,
            "use_bias": self.use_bias,
            "spectral_norm": self.spectral_norm,
            "negative_slope": self.negative_slope,
        }
