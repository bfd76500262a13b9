"""The networks start from PyTorch's default initialisation, as the original's do."""

from __future__ import annotations

import math

import keras
import numpy as np

from tf_p2c.config import ModelConfig
from tf_p2c.models import build_discriminator, build_generator
from tf_p2c.models.torch_init import init_like_torch
from tf_p2c.tf_compat import flatten_layers

TINY = ModelConfig(ngf=8, img_size=64)


def _weighted_layers(model):
    return [layer for layer in flatten_layers(model)
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))]


def _assert_torch_uniform(model):
    layers = _weighted_layers(model)
    assert layers
    for layer in layers:
        bound = 1.0 / math.sqrt(math.prod(layer.kernel.shape[:-1]))
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        # U(-b, b): inside the bound, and spread over it (Glorot's bound differs by a factor).
        assert np.abs(kernel).max() <= bound, layer.name
        assert kernel.size < 64 or np.abs(kernel).max() > 0.8 * bound, layer.name
        if layer.bias is not None:
            bias = keras.ops.convert_to_numpy(layer.bias)
            assert np.abs(bias).max() <= bound and np.any(bias != 0), layer.name
    return layers


def test_generator_and_discriminator_kernels_and_biases_follow_pytorch_defaults():
    keras.utils.set_random_seed(0)
    _assert_torch_uniform(build_generator(TINY))
    layers = _assert_torch_uniform(build_discriminator(8, 5, 64))
    # The spectral-norm wrapped convolutions are reached too.
    assert sum(layer.name.startswith("model_") for layer in layers) == 4


def test_draws_follow_the_keras_seed():
    keras.utils.set_random_seed(5)
    a = build_generator(TINY)
    keras.utils.set_random_seed(5)
    b = build_generator(TINY)
    keras.utils.set_random_seed(6)
    c = build_generator(TINY)
    same = [np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights())]
    assert all(same)
    assert not np.array_equal(a.get_layer("ConvBlock1_conv").kernel, c.get_layer("ConvBlock1_conv").kernel)


def test_normalisation_parameters_keep_their_own_initial_values():
    model = init_like_torch(build_generator(TINY))
    rho = [w for w in model.weights if w.name == "rho"]
    assert rho and all(np.all(keras.ops.convert_to_numpy(w) <= 1.0) for w in rho)
    gammas = [keras.ops.convert_to_numpy(w) for w in model.weights if w.name == "gamma"]
    assert gammas and all(np.all(g == 1.0) for g in gammas)
