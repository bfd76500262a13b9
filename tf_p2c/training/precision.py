"""Mixed precision: what must stay float32 while a run computes in float16."""

from __future__ import annotations

import contextlib

__all__ = ["float32_policy"]


@contextlib.contextmanager
def float32_policy():
    """Keras layers built inside are float32, whatever the global policy (`--mixed_precision`
    sets mixed_float16): exported generators and evaluation networks are float32 models."""
    import keras

    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(policy)
