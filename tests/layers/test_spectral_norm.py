"""SpectralNorm: PyTorch `spectral_norm` semantics (raw kernel kept, W / sigma on every call)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_layer_contract, np_conv2d, np_dense, np_l2_normalize, to_np

from tf_p2c.layers import SpectralNorm


def _conv_sn(rng):
    layer = SpectralNorm(keras.layers.Conv2D(4, 3, strides=2, name="conv"))
    x = rng.standard_normal((2, 9, 9, 3)).astype("float32")
    layer(x)
    return layer, x


def _dense_sn(rng, use_bias=True):
    layer = SpectralNorm(keras.layers.Dense(5, use_bias=use_bias, name="dense"))
    x = rng.standard_normal((3, 6)).astype("float32")
    layer(x)
    return layer, x


def _sigma(layer, u=None, v=None):
    w = to_np(layer.kernel).astype(np.float64).reshape(-1, layer.kernel.shape[-1])
    u = to_np(layer.vector_u).astype(np.float64) if u is None else u
    v = to_np(layer.vector_v).astype(np.float64) if v is None else v
    return float((v @ w @ u.T).item()), w


def test_contract_conv(rng):
    x = rng.standard_normal((2, 16, 16, 8)).astype("float32")
    conv = keras.layers.Conv2D(4, 4, strides=2, name="conv")
    assert_layer_contract(SpectralNorm, {"layer": conv, "power_iterations": 1}, x, (2, 7, 7, 4), 2, 2)


def test_contract_dense(rng):
    x = rng.standard_normal((2, 8)).astype("float32")
    dense = keras.layers.Dense(3, use_bias=False, name="dense")
    assert_layer_contract(SpectralNorm, {"layer": dense}, x, (2, 3), 1, 2)


def test_vector_shapes_and_unit_norm(rng):
    layer, _ = _conv_sn(rng)
    assert tuple(layer.vector_u.shape) == (1, 4)
    assert tuple(layer.vector_v.shape) == (1, 3 * 3 * 3)
    assert not layer.vector_u.trainable and not layer.vector_v.trainable
    np.testing.assert_allclose(np.linalg.norm(to_np(layer.vector_u)), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(to_np(layer.vector_v)), 1.0, rtol=1e-5)


def test_eval_conv_uses_stored_vectors(rng):
    layer, x = _conv_sn(rng)
    u0, v0, k0 = to_np(layer.vector_u), to_np(layer.vector_v), to_np(layer.kernel)
    sigma, _ = _sigma(layer)
    assert abs(sigma - 1.0) > 1e-2  # so that dividing by sigma is visible
    expected = np_conv2d(x, k0 / sigma, stride=2, bias=to_np(layer.layer.bias))
    np.testing.assert_allclose(to_np(layer(x, training=False)), expected, atol=1e-5, rtol=1e-5)
    # Inference changes nothing.
    np.testing.assert_array_equal(to_np(layer.vector_u), u0)
    np.testing.assert_array_equal(to_np(layer.vector_v), v0)
    np.testing.assert_array_equal(to_np(layer.kernel), k0)


def test_eval_dense_uses_stored_vectors(rng):
    layer, x = _dense_sn(rng)
    sigma, w = _sigma(layer)
    expected = np_dense(x, w / sigma, to_np(layer.layer.bias))
    np.testing.assert_allclose(to_np(layer(x)), expected, atol=1e-5, rtol=1e-5)


def test_training_does_one_power_iteration(rng):
    layer, x = _conv_sn(rng)
    u0 = to_np(layer.vector_u).astype(np.float64)
    k0 = to_np(layer.kernel)
    w = k0.astype(np.float64).reshape(-1, 4)
    v1 = np_l2_normalize(u0 @ w.T)
    u1 = np_l2_normalize(v1 @ w)
    sigma1 = float((v1 @ w @ u1.T).item())

    out = to_np(layer(x, training=True))
    np.testing.assert_allclose(to_np(layer.vector_v), v1, atol=1e-6)
    np.testing.assert_allclose(to_np(layer.vector_u), u1, atol=1e-6)
    np.testing.assert_array_equal(to_np(layer.kernel), k0)  # Keras' own wrapper would overwrite it
    expected = np_conv2d(x, k0 / sigma1, stride=2, bias=to_np(layer.layer.bias))
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=1e-5)
    # The next eval call uses the updated vectors.
    np.testing.assert_allclose(to_np(layer(x)), expected, atol=1e-5, rtol=1e-5)


def test_power_iterations_converge_to_largest_singular_value(rng):
    layer = SpectralNorm(keras.layers.Dense(5, use_bias=False), power_iterations=50)
    x = rng.standard_normal((3, 6)).astype("float32")
    layer(x)
    layer(x, training=True)
    sigma, w = _sigma(layer)
    np.testing.assert_allclose(sigma, np.linalg.svd(w, compute_uv=False)[0], rtol=1e-4)


def test_training_gradient_reaches_kernel_through_sigma(rng):
    # torch semantics: u and v are constants, sigma = v W u^T still depends on W.
    layer, x = _dense_sn(rng)
    u0 = to_np(layer.vector_u).astype(np.float64)
    w = to_np(layer.kernel).astype(np.float64)
    v1 = np_l2_normalize(u0 @ w.T)
    u1 = np_l2_normalize(v1 @ w)
    sigma = float((v1 @ w @ u1.T).item())
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True))
    grad_kernel, grad_bias = tape.gradient(loss, [layer.layer.kernel, layer.layer.bias])
    # L = 1^T x W 1 / sigma + sum(b)  =>  dL/dW = (x^T 1) 1^T / sigma - (1^T x W 1) / sigma^2 * v^T u
    col = x.astype(np.float64).sum(axis=0)[:, None]
    s = float((col.T @ w @ np.ones((5, 1))).item())
    expected = col @ np.ones((1, 5)) / sigma - s / sigma**2 * (v1.T @ u1)
    np.testing.assert_allclose(to_np(grad_kernel), expected, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(to_np(grad_bias), np.full(5, x.shape[0]), atol=1e-5)


@pytest.mark.parametrize("inner", [keras.layers.BatchNormalization, lambda: keras.layers.Conv1D(2, 3)])
def test_rejects_other_layers(inner):
    layer = inner()
    with pytest.raises(ValueError, match=f"Received: layer={type(layer).__name__}"):
        SpectralNorm(layer)


def test_rejects_zero_power_iterations():
    with pytest.raises(ValueError, match="power_iterations"):
        SpectralNorm(keras.layers.Dense(2), power_iterations=0)
