"""NormReLUConv, ConvBlock, HourGlassBlock and HourGlass."""

import numpy as np
import pytest
import tensorflow as tf
from helpers import (
    assert_layer_contract,
    np_avg_pool_2x,
    np_conv2d,
    np_instance_norm,
    np_reflect_pad,
    np_relu,
    np_upsample_nearest_2x,
    to_np,
)

from tf_p2c.layers import ConvBlock, HourGlass, HourGlassBlock, NormReLUConv

# A ConvBlock has 3 bias-free conv kernels (+1 for the 1x1 skip when dim_in != dim_out);
# an HourGlassBlock has 13 ConvBlocks (4 skip, 4 down, centre, 4 up).
CONV_BLOCK_WEIGHTS = 3
HG_BLOCK_WEIGHTS = 13 * CONV_BLOCK_WEIGHTS


def _x(rng, shape=(2, 16, 16, 8)):
    # Hourglasses pool four times and the centre ConvBlock reflection-pads by 1, which needs a
    # map of at least 2x2: their inputs are 32x32 here (see test_hourglass_needs_multiple_of_16).
    return rng.standard_normal(shape).astype("float32")


def _np_norm_relu_conv(layer, x):
    pad = layer.kernel_size // 2
    return np_conv2d(np_reflect_pad(np_relu(np_instance_norm(x)), pad), to_np(layer.conv.kernel))


# --- NormReLUConv -----------------------------------------------------------------------------

def test_norm_relu_conv_contract(rng):
    assert_layer_contract(NormReLUConv, {"filters": 4, "kernel_size": 3}, _x(rng), (2, 16, 16, 4), 1, 0)


@pytest.mark.parametrize("kernel_size", [1, 3])
def test_norm_relu_conv_matches_numpy(rng, kernel_size):
    x = _x(rng, (2, 6, 5, 4))
    layer = NormReLUConv(3, kernel_size)
    out = to_np(layer(x))
    assert layer.conv.bias is None
    np.testing.assert_allclose(out, _np_norm_relu_conv(layer, x), atol=3e-5, rtol=1e-4)


# --- ConvBlock --------------------------------------------------------------------------------

def test_conv_block_contract_same_channels(rng):
    layer, _ = assert_layer_contract(ConvBlock, {"dim_in": 8, "dim_out": 8}, _x(rng), (2, 16, 16, 8),
                                     CONV_BLOCK_WEIGHTS, 0)
    assert layer.conv_skip is None


def test_conv_block_contract_channel_change(rng):
    layer, _ = assert_layer_contract(ConvBlock, {"dim_in": 8, "dim_out": 12}, _x(rng), (2, 16, 16, 12),
                                     CONV_BLOCK_WEIGHTS + 1, 0)
    assert tuple(layer.conv_skip.conv.kernel.shape) == (1, 1, 8, 12)


@pytest.mark.parametrize("dim_in", [8, 4])
def test_conv_block_matches_numpy(rng, dim_in):
    x = _x(rng, (2, 5, 6, dim_in))
    layer = ConvBlock(dim_in, 8)
    out = to_np(layer(x))
    # Channel split out/2, out/4, out/4.
    shapes = [tuple(b.conv.kernel.shape) for b in (layer.conv_block1, layer.conv_block2, layer.conv_block3)]
    assert shapes == [(3, 3, dim_in, 4), (3, 3, 4, 2), (3, 3, 2, 2)]
    x1 = _np_norm_relu_conv(layer.conv_block1, x)
    x2 = _np_norm_relu_conv(layer.conv_block2, x1)
    x3 = _np_norm_relu_conv(layer.conv_block3, x2)
    residual = x if dim_in == 8 else _np_norm_relu_conv(layer.conv_skip, x)
    np.testing.assert_allclose(out, residual + np.concatenate([x1, x2, x3], axis=-1), atol=5e-5, rtol=1e-4)


@pytest.mark.parametrize("dim_out", [6, 10])
def test_conv_block_rejects_dim_out_not_multiple_of_4(dim_out):
    with pytest.raises(ValueError, match=f"Received: dim_out={dim_out}"):
        ConvBlock(8, dim_out)


# --- HourGlassBlock ---------------------------------------------------------------------------

def test_hourglass_block_contract(rng):
    assert_layer_contract(HourGlassBlock, {"dim_in": 8, "dim_out": 8}, _x(rng, (2, 32, 32, 8)), (2, 32, 32, 8),
                          HG_BLOCK_WEIGHTS, 0)


def test_hourglass_block_contract_channel_change(rng):
    # Only level 1's skip and down ConvBlocks see dim_in != dim_out, so they alone get a 1x1 skip.
    assert_layer_contract(HourGlassBlock, {"dim_in": 4, "dim_out": 8}, _x(rng, (2, 32, 32, 4)), (2, 32, 32, 8),
                          HG_BLOCK_WEIGHTS + 2, 0)


def test_hourglass_block_wiring(rng):
    # Recompose the four levels from the sub-blocks with NumPy pooling / up-sampling.
    x = _x(rng, (1, 32, 32, 4))
    layer = HourGlassBlock(4, 4)
    out = to_np(layer(x))
    names = [b.name for b in layer.skip_blocks + layer.down_blocks + [layer.center_block] + layer.up_blocks]
    assert names == ["ConvBlock1_1", "ConvBlock2_1", "ConvBlock3_1", "ConvBlock4_1",
                     "ConvBlock1_2", "ConvBlock2_2", "ConvBlock3_2", "ConvBlock4_2",
                     "ConvBlock5", "ConvBlock6", "ConvBlock7", "ConvBlock8", "ConvBlock9"]
    skips, h = [], x
    for skip_block, down_block in zip(layer.skip_blocks, layer.down_blocks):
        skips.append(to_np(skip_block(h)))
        h = to_np(down_block(np_avg_pool_2x(h).astype("float32")))
    h = to_np(layer.center_block(h))
    for up_block, skip in zip(layer.up_blocks, reversed(skips)):
        h = (skip + np_upsample_nearest_2x(to_np(up_block(h)))).astype("float32")
    np.testing.assert_allclose(out, h, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    ("side", "message"),
    [
        # 16 -> 8 -> 4 -> 2 -> 1: the centre ConvBlock reflection-pads a 1x1 map.
        (16, "paddings must be less than the dimension size"),
        # 24 -> 12 -> 6 -> 3 -> 1: same.
        (24, "paddings must be less than the dimension size"),
        # 40 -> 20 -> 10 -> 5 -> 2: the up-sampled 4x4 map cannot be added to the 5x5 skip.
        (40, "Incompatible shapes"),
    ],
)
def test_hourglass_bad_sizes_fail_loudly_when_run(side, message):
    # The layer has no size check of its own, and its compute_output_shape does not look at
    # the size, so a *symbolic* call (building a functional model) does not catch a bad size;
    # running it does. ModelConfig.img_size validation is the guard for the generator
    # (tests/models/test_generator.py).
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        HourGlassBlock(4, 4)(np.zeros((1, side, side, 4), "float32"))


def test_hourglass_smallest_working_size_is_32(rng):
    out = HourGlassBlock(4, 4)(_x(rng, (1, 32, 32, 4)))
    assert tuple(out.shape) == (1, 32, 32, 4)


# --- HourGlass --------------------------------------------------------------------------------

def test_hourglass_contract_residual(rng):
    # HG block 39 + HG_1 ConvBlock 3 + HG_2 1x1 kernel 1 + Conv1/Conv2/Conv3 (kernel, bias) 6.
    assert_layer_contract(HourGlass, {"dim_in": 8, "dim_out": 8, "use_res": True}, _x(rng, (2, 32, 32, 8)),
                          (2, 32, 32, 8),
                          HG_BLOCK_WEIGHTS + 3 + 1 + 6, 0)


def test_hourglass_contract_no_residual(rng):
    # No Conv2 / Conv3; the output is the 3-channel Conv1 map.
    layer, _ = assert_layer_contract(HourGlass, {"dim_in": 8, "dim_out": 8, "use_res": False},
                                     _x(rng, (2, 32, 32, 8)), (2, 32, 32, 3), HG_BLOCK_WEIGHTS + 3 + 1 + 2, 0)
    assert not hasattr(layer, "conv2") and not hasattr(layer, "conv3")


@pytest.mark.parametrize("use_res", [True, False])
def test_hourglass_matches_composition(rng, use_res):
    x = _x(rng, (1, 32, 32, 4))
    layer = HourGlass(4, 4, use_res=use_res)
    out = to_np(layer(x))
    ll = to_np(layer.hg_conv_block(layer.hg_block(x)))
    ll = np_relu(np_instance_norm(np_conv2d(ll, to_np(layer.hg_conv.kernel))))
    tmp = np_conv2d(ll, to_np(layer.conv1.kernel), bias=to_np(layer.conv1.bias))
    if use_res:
        expected = (x + np_conv2d(ll, to_np(layer.conv2.kernel), bias=to_np(layer.conv2.bias))
                    + np_conv2d(tmp, to_np(layer.conv3.kernel), bias=to_np(layer.conv3.bias)))
        assert tuple(layer.conv3.kernel.shape) == (1, 1, 3, 4)
    else:
        expected = tmp
    np.testing.assert_allclose(out, expected, atol=1e-4, rtol=1e-4)


def test_hourglass_no_residual_allows_channel_change(rng):
    layer = HourGlass(4, 8, use_res=False)
    out = layer(_x(rng, (1, 32, 32, 4)))
    assert tuple(out.shape) == (1, 32, 32, 3)
    assert tuple(layer.hg_conv.kernel.shape) == (1, 1, 8, 8)


def test_hourglass_residual_rejects_channel_change():
    with pytest.raises(ValueError, match="Received: dim_in=4, dim_out=8"):
        HourGlass(4, 8, use_res=True)
