"""ClipTo01: the weight constraint that replaces the original's RhoClipper / WClipper."""

import json

import keras
import numpy as np
from helpers import to_np

from tf_p2c.layers import ClipTo01


def test_clips_to_unit_interval():
    w = np.array([-3.0, -0.0, 0.0, 0.25, 1.0, 1.5, 1e9], "float32")
    np.testing.assert_array_equal(to_np(ClipTo01()(w)), [0, 0, 0, 0.25, 1, 1, 1])


def test_serialization_round_trip():
    constraint = ClipTo01()
    assert constraint.get_config() == {}
    text = json.dumps(keras.saving.serialize_keras_object(constraint))
    restored = keras.saving.deserialize_keras_object(json.loads(text))
    assert isinstance(restored, ClipTo01)
    assert isinstance(keras.constraints.get(keras.saving.serialize_keras_object(constraint)), ClipTo01)


def test_applied_by_optimizer_after_step():
    # What the original's clippers did after each G step, done by Keras' optimizer.
    holder = keras.layers.Layer()
    var = holder.add_weight(shape=(4,), initializer=keras.initializers.Constant(0.5), constraint=ClipTo01())
    optimizer = keras.optimizers.Adam(learning_rate=2.0)  # an Adam step moves each entry by ~lr
    optimizer.apply([np.array([1e3, -1e3, 1e3, -1e3], "float32")], [var])
    np.testing.assert_array_equal(to_np(var), [0.0, 1.0, 0.0, 1.0])
