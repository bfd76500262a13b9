"""SoftAdaLIN: gamma/beta blend a content MLP and a style projection, then AdaLIN."""

import numpy as np
import pytest
from helpers import (
    adam_step_with_large_gradient,
    assert_layer_contract,
    np_dense,
    np_lin,
    np_relu,
    to_np,
)

from tf_p2c.layers import ClipTo01, SoftAdaLIN

C = 8


def _inputs(rng, b=2, h=16, w=16, c=C):
    x = (rng.standard_normal((b, h, w, c)) * rng.uniform(0.2, 4.0, c) + rng.uniform(-2, 2, c)).astype("float32")
    content = rng.standard_normal((b, c)).astype("float32")
    style = rng.standard_normal((b, c)).astype("float32")
    return x, content, style


def test_contract(rng):
    # c_gamma (2 Dense) + c_beta (2 Dense) + s_gamma + s_beta = 12 kernels/biases, + rho, w_gamma, w_beta.
    assert_layer_contract(SoftAdaLIN, {"channels": C, "eps": 1e-5}, list(_inputs(rng)), (2, 16, 16, C), 15, 0)


def test_initial_values(rng):
    layer = SoftAdaLIN(C)
    layer(list(_inputs(rng, h=4, w=4)))
    np.testing.assert_array_equal(to_np(layer.w_gamma), np.zeros(C))
    np.testing.assert_array_equal(to_np(layer.w_beta), np.zeros(C))
    np.testing.assert_array_equal(to_np(layer.norm.rho), np.full(C, 0.9, "float32"))
    for variable in (layer.w_gamma, layer.w_beta, layer.norm.rho):
        assert isinstance(variable.constraint, ClipTo01)


def test_at_init_the_content_is_ignored(rng):
    # w_gamma = w_beta = 0: gamma and beta come from the style path only.
    x, content, style = _inputs(rng, h=4, w=4)
    layer = SoftAdaLIN(C)
    a = to_np(layer([x, content, style]))
    b = to_np(layer([x, content * 5.0 + 1.0, style]))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, to_np(layer([x, content, style * 2.0])))


def test_matches_numpy_formula(rng):
    x, content, style = _inputs(rng, h=3, w=3)
    layer = SoftAdaLIN(C)
    layer([x, content, style])

    def dense_weights(n_in, n_out):
        return [rng.normal(0, 0.5, (n_in, n_out)).astype("float32"), rng.normal(0, 0.5, n_out).astype("float32")]

    params = {name: dense_weights(C, C) for name in ("cg0", "cg2", "cb0", "cb2", "sg", "sb")}
    layer.c_gamma_0.set_weights(params["cg0"])
    layer.c_gamma_2.set_weights(params["cg2"])
    layer.c_beta_0.set_weights(params["cb0"])
    layer.c_beta_2.set_weights(params["cb2"])
    layer.s_gamma.set_weights(params["sg"])
    layer.s_beta.set_weights(params["sb"])
    w_gamma = rng.uniform(0, 1, C).astype("float32")
    w_beta = rng.uniform(0, 1, C).astype("float32")
    rho = rng.uniform(0, 1, C).astype("float32")
    layer.w_gamma.assign(w_gamma)
    layer.w_beta.assign(w_beta)
    layer.norm.rho.assign(rho)

    c_gamma = np_dense(np_relu(np_dense(content, *params["cg0"])), *params["cg2"])
    c_beta = np_dense(np_relu(np_dense(content, *params["cb0"])), *params["cb2"])
    s_gamma = np_dense(style, *params["sg"])
    s_beta = np_dense(style, *params["sb"])
    gamma = (1 - w_gamma) * s_gamma + w_gamma * c_gamma
    beta = (1 - w_beta) * s_beta + w_beta * c_beta
    expected = np_lin(x, rho, gamma, beta, 1e-5, ddof=1)
    np.testing.assert_allclose(to_np(layer([x, content, style])), expected, atol=5e-5, rtol=1e-4)
    # Swapping the blend (w <-> 1 - w) must be detectably different.
    swapped = np_lin(x, rho, w_gamma * s_gamma + (1 - w_gamma) * c_gamma,
                     w_beta * s_beta + (1 - w_beta) * c_beta, 1e-5, ddof=1)
    assert not np.allclose(expected, swapped, atol=1e-3)


def test_w_and_rho_clipped_after_optimizer_step(rng):
    layer = SoftAdaLIN(C)
    layer(list(_inputs(rng, h=4, w=4)))
    variables = [layer.w_gamma, layer.w_beta, layer.norm.rho]
    expected = adam_step_with_large_gradient(variables)
    for variable, values in zip(variables, expected):
        np.testing.assert_array_equal(to_np(variable), values)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Received: channels=0"):
        SoftAdaLIN(0)
    with pytest.raises(ValueError, match="Received: eps=0"):
        SoftAdaLIN(4, eps=0)
