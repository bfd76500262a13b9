"""Custom Keras layers of the photo2cartoon networks (NHWC)."""

from tf_p2c.layers.ada_lin import LIN, AdaLIN
from tf_p2c.layers.cam import CAMAttention
from tf_p2c.layers.constraints import ClipTo01
from tf_p2c.layers.hourglass import ConvBlock, HourGlass, HourGlassBlock, NormReLUConv
from tf_p2c.layers.instance_norm import InstanceNormalization
from tf_p2c.layers.reflection_padding import ReflectionPadding2D
from tf_p2c.layers.resampling import NearestUpsampling2x
from tf_p2c.layers.resnet_blocks import ResnetBlock, ResnetSoftAdaLINBlock
from tf_p2c.layers.soft_ada_lin import SoftAdaLIN
from tf_p2c.layers.spectral_norm import SpectralNorm

__all__ = [
    "AdaLIN", "CAMAttention", "ClipTo01", "ConvBlock", "HourGlass", "HourGlassBlock",
    "InstanceNormalization", "LIN", "NearestUpsampling2x", "NormReLUConv", "ReflectionPadding2D", "ResnetBlock",
    "ResnetSoftAdaLINBlock", "SoftAdaLIN", "SpectralNorm",
]
