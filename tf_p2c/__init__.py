"""tf_p2c: photo2cartoon in TensorFlow 2 / Keras 3.

Heavy modules load on first use, so `import tf_p2c` stays cheap for the command line.
"""

__version__ = "0.1.0"

__all__ = ["ModelConfig", "PRESETS", "load_generator", "build_generator", "build_discriminator"]


def __getattr__(name):
    if name in ("ModelConfig", "PRESETS"):
        from tf_p2c import config

        return getattr(config, name)
    if name == "load_generator":
        from tf_p2c.network_files import load_generator

        return load_generator
    if name in ("build_generator", "build_discriminator"):
        from tf_p2c import models

        return getattr(models, name)
    raise AttributeError(f"module 'tf_p2c' has no attribute {name!r}")
