"""Keras models of photo2cartoon."""

from tf_p2c.models.discriminator import build_discriminator
from tf_p2c.models.generator import build_generator

__all__ = ["GENERATORS", "DISCRIMINATORS", "build_discriminator", "build_generator", "build_networks"]

# The six networks of a photo2cartoon checkpoint, by the original's names.
GENERATORS = ("genA2B", "genB2A")
DISCRIMINATORS = ("disGA", "disGB", "disLA", "disLB")


def build_networks(config) -> dict:
    """Both generators and the four discriminators (global `disG*`, local `disL*`) of `config`."""
    networks = {name: build_generator(config, name=name) for name in GENERATORS}
    for name in DISCRIMINATORS:
        n_layers = config.n_layers_global if name.startswith("disG") else config.n_layers_local
        networks[name] = build_discriminator(config.ndf, n_layers, img_size=config.img_size, name=name)
    return networks
