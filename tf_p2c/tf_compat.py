"""The private TensorFlow and Keras APIs this project relies on, in one place.

Each has no public equivalent (the reason is given beside it). `tests/test_tf_compat.py` checks
every one against the installed versions, so an upgrade that moves or drops one fails there,
by name, rather than deep inside an export or a preprocessing job.
"""

from __future__ import annotations


def flatten_layers(model, recursive: bool = True) -> list:
    """Every sublayer of `model` (not itself), depth-first. Keras 3 has no public walk of nested
    layers; `model.layers` lists the direct children only."""
    return list(model._flatten_layers(include_self=False, recursive=recursive))  # noqa: SLF001


def register_py_func(token: str, function) -> None:
    """Makes `tf.raw_ops.PyFunc(token=token)` call `function` in this process. `tf.numpy_function`
    only registers under per-process counter tokens, which a tf.data service worker cannot
    resolve; the caller must keep `function` alive (the registry holds a weak reference)."""
    from tensorflow.python.ops import script_ops

    script_ops._py_funcs._funcs[token] = function  # noqa: SLF001


def calibrate_only(converter) -> None:
    """Makes `converter.convert()` return the calibrated float model without quantizing it, so
    that `mlir_quantize` can then quantize it with chosen ops left in float."""
    converter._experimental_calibrate_only = True  # noqa: SLF001


def mlir_quantize(calibrated: bytes, float_ops, float_nodes) -> bytes:
    """Quantizes a calibrated model (`calibrate_only`) leaving `float_ops` / `float_nodes` in
    float: the selective quantization of `tf.lite.experimental.QuantizationDebugger`, without
    its extra instrumented conversion."""
    from tensorflow.lite.python import convert as tflite_convert

    return tflite_convert.mlir_quantize(
        calibrated, disable_per_channel=False, fully_quantize=False, enable_numeric_verify=False,
        denylisted_ops=list(float_ops), denylisted_nodes=list(float_nodes))


def freeze_function(concrete_function):
    """`concrete_function` with its variables folded into constants (a new concrete function with
    a flat list of outputs). The TFLite converter freezes its input itself, but only through
    `from_keras_model` (slow: it saves every layer) or from an unfrozen trace (NaN outputs)."""
    from tensorflow.python.framework import convert_to_constants

    return convert_to_constants.convert_variables_to_constants_v2(concrete_function)
