"""AdaLIN and LIN: rho-mixed instance / layer norm with UNBIASED variances (torch.var default)."""

import numpy as np
import pytest
from helpers import adam_step_with_large_gradient, assert_layer_contract, np_lin, to_np

from tf_p2c.layers import LIN, AdaLIN, ClipTo01


def _inputs(rng, b=2, h=16, w=16, c=8):
    # Channels with different scales / offsets so IN and LN differ clearly.
    x = rng.standard_normal((b, h, w, c)) * rng.uniform(0.2, 5.0, c) + rng.uniform(-3, 3, c)
    gamma = rng.uniform(0.5, 1.5, (b, c))
    beta = rng.normal(0.0, 0.5, (b, c))
    return x.astype("float32"), gamma.astype("float32"), beta.astype("float32")


def test_ada_lin_contract(rng):
    x, gamma, beta = _inputs(rng)
    assert_layer_contract(AdaLIN, {"eps": 1e-5}, [x, gamma, beta], (2, 16, 16, 8), 1, 0)


def test_lin_contract(rng):
    x, _, _ = _inputs(rng)
    assert_layer_contract(LIN, {"eps": 1e-5}, x, (2, 16, 16, 8), 3, 0)


def test_initial_values():
    ada = AdaLIN()
    ada.build([(2, 4, 4, 6), (2, 6), (2, 6)])
    np.testing.assert_array_equal(to_np(ada.rho), np.full(6, 0.9, "float32"))
    lin = LIN()
    lin.build((2, 4, 4, 6))
    np.testing.assert_array_equal(to_np(lin.rho), np.zeros(6))
    np.testing.assert_array_equal(to_np(lin.gamma), np.ones(6))
    np.testing.assert_array_equal(to_np(lin.beta), np.zeros(6))
    for variable in (ada.rho, lin.rho):
        assert isinstance(variable.constraint, ClipTo01)
    assert lin.gamma.constraint is None and lin.beta.constraint is None


def test_ada_lin_matches_numpy_unbiased(rng):
    # 3x3 spatial makes N/(N-1) = 9/8 for IN, so the biased formula would be far off.
    x, gamma, beta = _inputs(rng, h=3, w=3, c=4)
    layer = AdaLIN()
    layer([x, gamma, beta])
    rho = rng.uniform(0, 1, 4).astype("float32")
    layer.rho.assign(rho)
    out = to_np(layer([x, gamma, beta]))
    np.testing.assert_allclose(out, np_lin(x, rho, gamma, beta, 1e-5, ddof=1), atol=2e-5, rtol=1e-5)
    assert not np.allclose(out, np_lin(x, rho, gamma, beta, 1e-5, ddof=0), atol=1e-3)


def test_ada_lin_default_rho_mix(rng):
    x, gamma, beta = _inputs(rng, h=4, w=4, c=3)
    out = to_np(AdaLIN()([x, gamma, beta]))
    np.testing.assert_allclose(out, np_lin(x, np.full(3, 0.9), gamma, beta, 1e-5, ddof=1), atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("rho_value", [0.0, 1.0])
def test_rho_extremes_are_pure_layer_and_instance_norm(rng, rho_value):
    x, gamma, beta = _inputs(rng, h=4, w=4, c=3)
    ones, zeros = np.ones_like(gamma), np.zeros_like(beta)
    layer = AdaLIN()
    layer([x, ones, zeros])
    layer.rho.assign(np.full(3, rho_value, "float32"))
    out = to_np(layer([x, ones, zeros]))
    axes = (1, 2) if rho_value == 1.0 else (1, 2, 3)  # IN when rho = 1, LN when rho = 0
    mean = x.astype(np.float64).mean(axis=axes, keepdims=True)
    var = x.astype(np.float64).var(axis=axes, keepdims=True, ddof=1)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), atol=2e-5, rtol=1e-5)


def test_lin_matches_numpy_unbiased(rng):
    x, _, _ = _inputs(rng, h=3, w=3, c=4)
    layer = LIN(eps=1e-3)
    layer(x)
    rho = rng.uniform(0, 1, 4).astype("float32")
    gamma = rng.uniform(0.5, 1.5, 4).astype("float32")
    beta = rng.normal(0, 0.5, 4).astype("float32")
    layer.set_weights([rho, gamma, beta])
    out = to_np(layer(x))
    np.testing.assert_allclose(out, np_lin(x, rho, gamma, beta, 1e-3, ddof=1), atol=2e-5, rtol=1e-5)
    assert not np.allclose(out, np_lin(x, rho, gamma, beta, 1e-3, ddof=0), atol=1e-3)


def test_lin_at_init_is_unbiased_layer_norm(rng):
    x, _, _ = _inputs(rng, h=4, w=4, c=3)
    out = to_np(LIN()(x))
    np.testing.assert_allclose(out, np_lin(x, np.zeros(3), np.ones(3), np.zeros(3), 1e-5, ddof=1), atol=2e-5)


def test_rho_clipped_after_optimizer_step(rng):
    x, gamma, beta = _inputs(rng, h=4, w=4, c=6)
    ada, lin = AdaLIN(), LIN()
    ada([x, gamma, beta])
    lin(x)
    expected = adam_step_with_large_gradient([ada.rho, lin.rho])
    np.testing.assert_array_equal(to_np(ada.rho), expected[0])
    np.testing.assert_array_equal(to_np(lin.rho), expected[1])


@pytest.mark.parametrize("cls", [AdaLIN, LIN])
@pytest.mark.parametrize("eps", [0.0, -1.0])
def test_rejects_non_positive_eps(cls, eps):
    with pytest.raises(ValueError, match=f"Received: eps={eps}"):
        cls(eps=eps)
