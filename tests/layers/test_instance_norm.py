"""InstanceNormalization: affine-free, BIASED variance (PyTorch nn.InstanceNorm2d)."""

import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_layer_contract, np_instance_norm, to_np

from tf_p2c.layers import InstanceNormalization
from tf_p2c.layers.instance_norm import normalize_over


def test_contract(rng):
    x = rng.standard_normal((2, 16, 16, 8)).astype("float32")
    assert_layer_contract(InstanceNormalization, {"epsilon": 1e-5}, x, (2, 16, 16, 8), 0, 0)


def test_uses_biased_variance(rng):
    # 3x3 spatial: N/(N-1) = 9/8, so biased and unbiased results differ by ~6%.
    x = (rng.standard_normal((2, 3, 3, 4)) * [1.0, 3.0, 0.5, 10.0] + [0.0, 5.0, -2.0, 1.0]).astype("float32")
    out = to_np(InstanceNormalization()(x))
    np.testing.assert_allclose(out, np_instance_norm(x, 1e-5, ddof=0), atol=1e-5, rtol=1e-5)
    assert not np.allclose(out, np_instance_norm(x, 1e-5, ddof=1), atol=1e-3)


def test_epsilon_is_added_to_variance(rng):
    x = rng.standard_normal((1, 4, 4, 2)).astype("float32")
    out = to_np(InstanceNormalization(epsilon=0.5)(x))
    np.testing.assert_allclose(out, np_instance_norm(x, 0.5, ddof=0), atol=1e-5, rtol=1e-5)


def test_statistics_are_per_sample_and_channel(rng):
    x = rng.standard_normal((3, 8, 8, 5)).astype("float32") * 4 + 7
    out = to_np(InstanceNormalization()(x))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(1, 2)), 1.0, atol=1e-3)


@pytest.mark.parametrize("epsilon", [0.0, -1e-5])
def test_rejects_non_positive_epsilon(epsilon):
    with pytest.raises(ValueError, match=f"Received: epsilon={epsilon}"):
        InstanceNormalization(epsilon=epsilon)


def _autodiff_normalize(x, axes, eps, unbiased):
    # The forward formula in plain TensorFlow ops, differentiated automatically.
    mean = tf.reduce_mean(x, axis=axes, keepdims=True)
    count = float(np.prod([x.shape[a] for a in axes]))
    var = tf.reduce_sum(tf.square(x - mean), axis=axes, keepdims=True) / (count - 1.0 if unbiased else count)
    return (x - mean) * tf.math.rsqrt(var + eps)


def _gradient(fn, x, weights):
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(fn(x) * weights)
    return tape.gradient(loss, x).numpy()


@pytest.mark.parametrize("axes, unbiased", [((1, 2), False), ((1, 2), True), ((1, 2, 3), True)])
def test_gradient_matches_automatic_differentiation(rng, axes, unbiased):
    # float64, so any difference is the formula's, not rounding's.
    x = tf.constant(rng.standard_normal((2, 5, 7, 3)) * [0.5, 2.0, 8.0] + [1.0, -3.0, 0.0])
    weights = tf.constant(rng.standard_normal((2, 5, 7, 3)))
    got = _gradient(lambda t: normalize_over(t, axes, 1e-5, unbiased), x, weights)
    expected = _gradient(lambda t: _autodiff_normalize(t, axes, 1e-5, unbiased), x, weights)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_gradient_with_unknown_spatial_size(rng):
    x = rng.standard_normal((1, 6, 4, 2)).astype("float32")
    weights = tf.constant(rng.standard_normal((1, 6, 4, 2)).astype("float32"))

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, 2), tf.float32)])
    def dynamic(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(normalize_over(t, (1, 2), 1e-5, unbiased=True) * weights)
        return tape.gradient(loss, t)

    expected = _gradient(lambda t: _autodiff_normalize(t, (1, 2), 1e-5, True), tf.constant(x), weights)
    np.testing.assert_allclose(dynamic(tf.constant(x)).numpy(), expected, rtol=1e-4, atol=1e-5)


def test_gradient_in_float16_follows_float32(rng):
    x = rng.standard_normal((1, 16, 16, 4)).astype("float32")
    weights = rng.standard_normal((1, 16, 16, 4)).astype("float32")
    g32 = _gradient(lambda t: normalize_over(t, (1, 2, 3), 1e-5, True), tf.constant(x), tf.constant(weights))
    g16 = _gradient(lambda t: normalize_over(t, (1, 2, 3), 1e-5, True),
                    tf.constant(x, tf.float16), tf.constant(weights, tf.float16))
    assert g16.dtype == np.float16
    np.testing.assert_allclose(g16.astype("float32"), g32, atol=2e-2 * np.abs(g32).max())
