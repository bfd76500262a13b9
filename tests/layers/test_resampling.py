"""Nearest x2 up-sampling (layer and function) and 2x2 average pooling."""

import keras
import numpy as np
from helpers import assert_layer_contract, np_avg_pool_2x, to_np

from tf_p2c.layers import NearestUpsampling2x
from tf_p2c.layers.resampling import avg_pool_2x, upsample_nearest_2x


def test_contract(rng):
    x = rng.standard_normal((2, 16, 16, 8)).astype("float32")
    assert_layer_contract(NearestUpsampling2x, {}, x, (2, 32, 32, 8), 0, 0)


def test_matches_numpy_repeat(rng):
    x = rng.standard_normal((2, 3, 5, 4)).astype("float32")
    expected = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
    np.testing.assert_array_equal(to_np(NearestUpsampling2x()(x)), expected)
    np.testing.assert_array_equal(to_np(upsample_nearest_2x(x)), expected)


def test_unknown_spatial_dims_stay_unknown():
    y = NearestUpsampling2x()(keras.Input((None, 6, 3)))
    assert tuple(y.shape) == (None, None, 12, 3)


def test_avg_pool_matches_numpy(rng):
    x = rng.standard_normal((2, 6, 8, 3)).astype("float32")
    out = to_np(avg_pool_2x(x))
    assert out.shape == (2, 3, 4, 3)
    np.testing.assert_allclose(out, np_avg_pool_2x(x), atol=1e-6)


def test_pool_then_upsample_round_trip_on_blocky_input(rng):
    blocks = rng.standard_normal((1, 4, 4, 2)).astype("float32")
    x = np.repeat(np.repeat(blocks, 2, axis=1), 2, axis=2)
    np.testing.assert_allclose(to_np(upsample_nearest_2x(avg_pool_2x(x))), x, atol=1e-6)
