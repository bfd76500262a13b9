"""Keras models of photo2cartoon."""

from tf_p2c.models.discriminator import build_discriminator
from tf_p2c.models.generator import build_generator

__all__ = ["build_discriminator", "build_generator"]
