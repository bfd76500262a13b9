"""Which ops the layers emit: compact TensorFlow ops, or the forms TFLite runs fastest.

Some layers have two equivalent lowerings. `tf.pad(mode="REFLECT")` is one op in TensorFlow
with a cheap gradient, but the TFLite converter turns it into MIRROR_PAD, which XNNPACK does
not run: the 256x256 generator then splits into ~180 delegate partitions. Inside
`tflite_lowering()` the layers build the TFLite-friendly form instead (reflection padding from
1-pixel slices and concatenations), which XNNPACK runs whole, at the price of ~6 ops per pad
(~20 graph nodes with their gradients in TensorFlow), which is why training and Keras
inference keep the compact form. Both compute the same values.
"""

from __future__ import annotations

import contextlib
import threading

_STATE = threading.local()


@contextlib.contextmanager
def tflite_lowering():
    """Within this context, layers called (or traced) emit the TFLite-friendly ops.

    Example:
        >>> with tflite_lowering():
        ...     flatbuffer = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    """
    previous = getattr(_STATE, "active", False)
    _STATE.active = True
    try:
        yield
    finally:
        _STATE.active = previous


def tflite_lowering_active() -> bool:
    """True inside `tflite_lowering()` on this thread."""
    return getattr(_STATE, "active", False)
