"""ResnetBlock (encoder) and ResnetSoftAdaLINBlock (decoder)."""

import numpy as np
from helpers import (
    assert_layer_contract,
    np_conv2d,
    np_instance_norm,
    np_reflect_pad,
    np_relu,
    to_np,
)

from tf_p2c.layers import ResnetBlock, ResnetSoftAdaLINBlock

C = 8


def _x(rng, shape=(2, 16, 16, C)):
    return rng.standard_normal(shape).astype("float32")


def test_resnet_block_contract(rng):
    # Two bias-free 3x3 kernels; the instance norms have no parameters.
    assert_layer_contract(ResnetBlock, {"dim": C}, _x(rng), (2, 16, 16, C), 2, 0)


def test_resnet_block_matches_numpy(rng):
    x = _x(rng, (2, 5, 6, 4))
    layer = ResnetBlock(4)
    out = to_np(layer(x))
    assert layer.conv1.bias is None and layer.conv2.bias is None
    h = np_relu(np_instance_norm(np_conv2d(np_reflect_pad(x, 1), to_np(layer.conv1.kernel))))
    h = np_instance_norm(np_conv2d(np_reflect_pad(h, 1), to_np(layer.conv2.kernel)))
    np.testing.assert_allclose(out, x + h, atol=3e-5, rtol=1e-4)


def _decoder_inputs(rng, shape=(2, 16, 16, C)):
    return [_x(rng, shape), rng.standard_normal((shape[0], shape[-1])).astype("float32"),
            rng.standard_normal((shape[0], shape[-1])).astype("float32")]


def test_resnet_soft_ada_lin_block_contract(rng):
    # Two conv kernels + two SoftAdaLINs of 15 weights each.
    assert_layer_contract(ResnetSoftAdaLINBlock, {"dim": C}, _decoder_inputs(rng), (2, 16, 16, C), 2 + 2 * 15, 0)


def test_resnet_soft_ada_lin_block_matches_composition(rng):
    x, content, style = _decoder_inputs(rng, (2, 5, 6, 4))
    layer = ResnetSoftAdaLINBlock(4)
    layer([x, content, style])
    # Distinct, non-default blends so that a swapped content/style wiring would show.
    for norm in (layer.norm1, layer.norm2):
        norm.w_gamma.assign(rng.uniform(0, 1, 4).astype("float32"))
        norm.w_beta.assign(rng.uniform(0, 1, 4).astype("float32"))
        norm.norm.rho.assign(rng.uniform(0, 1, 4).astype("float32"))
    out = to_np(layer([x, content, style]))
    h = np_conv2d(np_reflect_pad(x, 1), to_np(layer.conv1.kernel)).astype("float32")
    h = np_relu(to_np(layer.norm1([h, content, style])))
    h = np_conv2d(np_reflect_pad(h, 1), to_np(layer.conv2.kernel)).astype("float32")
    h = to_np(layer.norm2([h, content, style]))
    np.testing.assert_allclose(out, x + h, atol=5e-5, rtol=1e-4)
    swapped = to_np(layer([x, style, content]))
    assert not np.allclose(out, swapped, atol=1e-3)
