"""Keras models of photo2cartoon.

The network names and the warning import without Keras (the weight readers need only those);
the models and builders load Keras on first access.
"""

import importlib

_LAZY = {"Generator": "generator", "build_discriminator": "discriminator", "build_generator": "generator"}

__all__ = ["GENERATORS", "DISCRIMINATORS", "UNTRAINED_WARNING", "Generator", "build_discriminator",
           "build_generator", "build_networks", "build_untrained_generator"]

# The six networks of a photo2cartoon checkpoint, by the original's names.
GENERATORS = ("genA2B", "genB2A")
DISCRIMINATORS = ("disGA", "disGB", "disLA", "disLB")

# Said by every command that runs without weights (demo, serve).
UNTRAINED_WARNING = ("UNTRAINED generator (random weights): the output is noise, not a cartoon. Pass --weights PATH "
                     "(the released photo2cartoon_weights.pt or .onnx, a .keras checkpoint, or a .tflite export) "
                     "or put that file in models/ for real cartoons.")


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"tf_p2c.models.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'tf_p2c.models' has no attribute {name!r}")


def build_untrained_generator(preset: str = "photo2cartoon"):
    """The generator of `preset` with seeded random weights (same on every run); see `UNTRAINED_WARNING`."""
    import keras

    from tf_p2c.config import get_preset
    from tf_p2c.models.generator import build_generator

    keras.utils.set_random_seed(0)
    return build_generator(get_preset(preset))


def build_networks(config) -> dict:
    """Both generators and the four discriminators (global `disG*`, local `disL*`) of `config`."""
    from tf_p2c.models.discriminator import build_discriminator
    from tf_p2c.models.generator import build_generator

    networks = {name: build_generator(config, name=name) for name in GENERATORS}
    for name in DISCRIMINATORS:
        n_layers = config.n_layers_global if name.startswith("disG") else config.n_layers_local
        networks[name] = build_discriminator(config.ndf, n_layers, img_size=config.img_size, name=name)
    return networks
