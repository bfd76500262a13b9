"""The model's pixel scale, written once: uint8 RGB 0..255 <-> float [-1, 1], and masks -> uint8.

The generator takes and returns images in [-1, 1], as the original (torchvision ``ToTensor``
then ``Normalize(0.5, 0.5)``, i.e. ``x / 127.5 - 1``); images go back to pixels as
``round((y + 1) * 127.5)``, clipped. `pixels_to_unit` and `unit_to_pixels` are plain
arithmetic, so they apply to NumPy arrays, `tf.Tensor`s and Keras tensors alike.
"""

from __future__ import annotations

import numpy as np

HALF_RANGE = 127.5


def pixels_to_unit(x):
    """Float pixels 0..255 -> [-1, 1] (any array or tensor type)."""
    return x / HALF_RANGE - 1.0


def unit_to_pixels(y):
    """[-1, 1] -> float pixels 0..255, not rounded (any array or tensor type)."""
    return (y + 1.0) * HALF_RANGE


def from_uint8(images) -> np.ndarray:
    """uint8 (or float) pixels -> float32 in [-1, 1]."""
    return pixels_to_unit(np.asarray(images, np.float32))


def to_uint8(images) -> np.ndarray:
    """[-1, 1] -> uint8 0..255, rounding to nearest and clipping."""
    return np.clip(np.round(unit_to_pixels(np.asarray(images, np.float32))), 0, 255).astype(np.uint8)


def to_uint8_tensor(y):
    """`to_uint8` as Keras ops, for a graph (the uint8 TFLite signature)."""
    from keras import ops

    return ops.cast(ops.clip(ops.round(unit_to_pixels(y)), 0.0, 255.0), "uint8")


def mask_to_uint8(mask) -> np.ndarray:
    """Alpha (or any [0, 1] image) -> uint8 0..255, clipped and rounded to nearest."""
    return np.rint(np.clip(np.asarray(mask, np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)
