"""Every private TensorFlow / Keras API of `tf_p2c.tf_compat` still exists and behaves as used.

A failure here after a TensorFlow or Keras upgrade names the API that moved: fix `tf_compat.py`.
"""

import inspect

import keras
import numpy as np
import tensorflow as tf

from tf_p2c import tf_compat


def test_flatten_layers_walks_nested_layers():
    inner = keras.Sequential([keras.layers.Dense(2, name="inner_dense")], name="inner")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1, name="outer_dense")(inner(inputs)))
    names = [layer.name for layer in tf_compat.flatten_layers(model)]
    assert "inner_dense" in names and "outer_dense" in names and model.name not in names
    assert "inner_dense" not in [layer.name for layer in tf_compat.flatten_layers(model, recursive=False)]


def test_registered_py_func_runs_under_its_token():
    def double(x):
        return np.asarray(x * 2, np.float32)

    tf_compat.register_py_func("tf_p2c.test.double", double)
    (out,) = tf.raw_ops.PyFunc(input=[tf.constant(2.0)], token="tf_p2c.test.double", Tout=[tf.float32])
    assert float(out) == 4.0


def test_converter_has_the_calibrate_only_switch_and_mlir_quantize_its_arguments():
    from tensorflow.lite.python import convert as tflite_convert

    function = tf.function(lambda x: x + 1.0, input_signature=[tf.TensorSpec([1, 2], tf.float32)])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], function)
    assert hasattr(converter, "_experimental_calibrate_only")
    tf_compat.calibrate_only(converter)
    assert converter._experimental_calibrate_only is True
    parameters = inspect.signature(tflite_convert.mlir_quantize).parameters
    for name in ("disable_per_channel", "fully_quantize", "enable_numeric_verify", "denylisted_ops",
                 "denylisted_nodes"):
        assert name in parameters, name


def test_freeze_function_folds_variables_into_constants():
    scale = tf.Variable(3.0)
    function = tf.function(lambda x: {"y": x * scale}, input_signature=[tf.TensorSpec([2], tf.float32)])
    frozen = tf_compat.freeze_function(function.get_concrete_function())
    ops = {node.op for node in frozen.graph.as_graph_def().node}
    assert "ReadVariableOp" not in ops and "Const" in ops and not frozen.variables
    scale.assign(5.0)  # the frozen copy keeps the value it was frozen with
    (out,) = frozen(tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(out.numpy(), [3.0, 6.0])
