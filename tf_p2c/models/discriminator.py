"""The U-GAT-IT discriminator (global and local variants) with CAM attention."""

from __future__ import annotations

import keras
from keras import layers

from tf_p2c.config import check_discriminator_fits
from tf_p2c.layers import CAMAttention, ReflectionPadding2D, SpectralNorm
from tf_p2c.models.torch_init import init_like_torch

LEAKY_SLOPE = 0.2


def _sn_conv(filters, stride, use_bias, name):
    return SpectralNorm(
        layers.Conv2D(filters, 4, strides=stride, use_bias=use_bias, name=name), name=name
    )


def build_discriminator(ndf: int = 32, n_layers: int = 7, img_size: int | None = None,
                        name: str = "discriminator") -> keras.Model:
    """Builds a PatchGAN-style discriminator with spectral norm and a CAM head.

    `n_layers - 2` stride-2 4x4 convolutions (channels ndf, 2ndf, ...) and one stride-1 4x4
    convolution doubling the channels, each after reflection padding and followed by
    LeakyReLU(0.2); then the CAM head and a final stride-1 4x4 convolution to one channel.
    The global discriminator of photo2cartoon uses n_layers=7, the local one 5.

    Outputs: `logit` (B, h, w, 1), `cam_logit` (B, 2), `heatmap` (B, h', w', 1). Layer names
    follow the original's (`model_1` is `model.1`, the first convolution). Kernels and biases
    start as the original's do (`init_like_torch`).

    Args:
        ndf: channels of the first convolution.
        n_layers: depth; at least 3.
        img_size: fixed input side, or None for any size the strides allow.
        name: model name.
    """
    if n_layers < 3:
        raise ValueError(f"n_layers must be at least 3. Received: n_layers={n_layers}")
    if img_size is not None:
        check_discriminator_fits(img_size, n_layers)
    inputs = keras.Input((img_size, img_size, 3), name="input")
    x = inputs
    # The original's nn.Sequential holds [pad, conv, LeakyReLU] triples, so conv i sits at 3*i + 1.
    filters = ndf
    n_stride2 = n_layers - 2
    for i in range(n_stride2 + 1):
        stride = 2 if i < n_stride2 else 1
        filters = ndf * 2 ** i
        x = ReflectionPadding2D(1, name=f"model_{3 * i}")(x)
        x = _sn_conv(filters, stride, True, f"model_{3 * i + 1}")(x)
        x = layers.LeakyReLU(LEAKY_SLOPE, name=f"model_{3 * i + 2}")(x)

    x, cam_logit, heatmap = CAMAttention(
        filters, use_bias=False, spectral_norm=True, negative_slope=LEAKY_SLOPE, name="CAM"
    )(x)
    x = ReflectionPadding2D(1, name="pad")(x)
    logit = _sn_conv(1, 1, False, "conv")(x)

    logit = layers.Identity(name="logit")(logit)
    cam_logit = layers.Identity(name="cam_logit")(cam_logit)
    heatmap = layers.Identity(name="heatmap")(heatmap)
    return init_like_torch(keras.Model(inputs, [logit, cam_logit, heatmap], name=name))
