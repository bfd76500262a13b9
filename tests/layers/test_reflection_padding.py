"""ReflectionPadding2D: PyTorch `nn.ReflectionPad2d` semantics (edge pixel not repeated)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_layer_contract, np_reflect_pad, to_np

from tf_p2c.layers import ReflectionPadding2D


def test_contract(rng):
    x = rng.standard_normal((2, 16, 16, 8)).astype("float32")
    assert_layer_contract(ReflectionPadding2D, {"padding": 3}, x, (2, 22, 22, 8), 0, 0)


@pytest.mark.parametrize("padding", [1, 2, 3])
def test_matches_numpy_reflect(rng, padding):
    # Non-square, so swapped axes would show.
    x = rng.standard_normal((2, 5, 7, 3)).astype("float32")
    out = to_np(ReflectionPadding2D(padding)(x))
    np.testing.assert_array_equal(out, np_reflect_pad(x, padding))
    # "reflect" (not "symmetric"): the border pixel appears once.
    assert not np.array_equal(out, np.pad(x, ((0, 0), (padding,) * 2, (padding,) * 2, (0, 0)), mode="symmetric"))


def test_zero_padding_is_identity(rng):
    x = rng.standard_normal((1, 4, 4, 2)).astype("float32")
    np.testing.assert_array_equal(to_np(ReflectionPadding2D(0)(x)), x)


def test_unknown_spatial_dims_stay_unknown():
    y = ReflectionPadding2D(2)(keras.Input((None, 10, 3)))
    assert tuple(y.shape) == (None, None, 14, 3)


@pytest.mark.parametrize("padding", [-1, 1.5])
def test_rejects_bad_padding(padding):
    with pytest.raises(ValueError, match=f"Received: padding={padding}"):
        ReflectionPadding2D(padding)


def test_padding_too_large_for_input_fails():
    # Reflection needs padding < side (torch raises too); a silent wrong shape would be worse.
    with pytest.raises(tf.errors.InvalidArgumentError, match="paddings must be less than the dimension size"):
        ReflectionPadding2D(4)(np.zeros((1, 4, 4, 1), "float32"))


def _op_types(padding, shape):
    layer = ReflectionPadding2D(padding)
    graph = tf.function(layer).get_concrete_function(tf.TensorSpec(shape, tf.float32)).graph
    return {op.type for op in graph.get_operations()}


@pytest.mark.parametrize("padding", [1, 3])
def test_tflite_lowering_gives_the_same_values_without_mirror_pad(rng, padding):
    from tf_p2c.layers.lowering import tflite_lowering, tflite_lowering_active

    x = rng.standard_normal((2, 6, 9, 3)).astype("float32")
    # TensorFlow: one MirrorPad op. For TFLite: slices and concatenations, same values.
    assert "MirrorPad" in _op_types(padding, x.shape)
    with tflite_lowering():
        assert tflite_lowering_active()
        ops = _op_types(padding, x.shape)
        lowered = to_np(ReflectionPadding2D(padding)(x))
    assert not tflite_lowering_active()
    assert "MirrorPad" not in ops and {"StridedSlice", "ConcatV2"} <= ops
    np.testing.assert_array_equal(lowered, np_reflect_pad(x, padding))
