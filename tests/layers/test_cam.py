"""CAMAttention: the auxiliary-classifier attention head (generator and discriminator forms)."""

import keras
import numpy as np
import pytest
from helpers import assert_layer_contract, np_conv2d, to_np

from tf_p2c.layers import CAMAttention, SpectralNorm

C = 8
GEN = {"channels": C}
DIS = {"channels": C, "use_bias": False, "spectral_norm": True, "negative_slope": 0.2}
SHAPES = [(2, 16, 16, C), (2, 2), (2, 16, 16, 1)]


def _x(rng, h=16, w=16):
    return rng.standard_normal((2, h, w, C)).astype("float32")


def test_contract_generator_form(rng):
    # gap_fc (kernel, bias), gmp_fc (kernel, bias), conv1x1 (kernel, bias).
    assert_layer_contract(CAMAttention, GEN, _x(rng), SHAPES, 6, 0)


def test_contract_discriminator_form(rng):
    # Bias-free spectral-norm classifiers: 2 kernels + conv1x1 kernel/bias; u, v per classifier.
    layer, _ = assert_layer_contract(CAMAttention, DIS, _x(rng), SHAPES, 4, 4)
    assert isinstance(layer.gap_fc, SpectralNorm) and isinstance(layer.gmp_fc, SpectralNorm)


def _reference(layer, x, spectral_norm, slope):
    """NumPy CAM. Logits use the (spectrally normalised) classifier; maps use the RAW kernel."""
    x64 = x.astype(np.float64)
    logits, maps = [], []
    pooled = {"gap": x64.mean(axis=(1, 2)), "gmp": x64.max(axis=(1, 2))}
    for name, classifier in (("gap", layer.gap_fc), ("gmp", layer.gmp_fc)):
        dense = classifier.layer if spectral_norm else classifier
        raw = to_np(dense.kernel).astype(np.float64)  # (C, 1)
        effective = raw
        if spectral_norm:
            u = to_np(classifier.vector_u).astype(np.float64)
            v = to_np(classifier.vector_v).astype(np.float64)
            effective = raw / float((v @ raw @ u.T).item())
        logit = pooled[name] @ effective
        if dense.use_bias:
            logit = logit + to_np(dense.bias)
        logits.append(logit)
        maps.append(x64 * raw[:, 0])
    fused = np_conv2d(np.concatenate(maps, axis=-1), to_np(layer.conv1x1.kernel), bias=to_np(layer.conv1x1.bias))
    fused = np.where(fused > 0, fused, slope * fused)
    return fused, np.concatenate(logits, axis=-1), fused.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("kwargs", [GEN, DIS], ids=["generator", "discriminator"])
def test_matches_numpy(rng, kwargs):
    x = _x(rng, 5, 6)
    layer = CAMAttention(**kwargs)
    layer(x)
    out, cam_logit, heatmap = (to_np(t) for t in layer(x))
    ref = _reference(layer, x, kwargs.get("spectral_norm", False), kwargs.get("negative_slope", 0.0))
    for got, want in zip((out, cam_logit, heatmap), ref):
        np.testing.assert_allclose(got, want, atol=2e-5, rtol=1e-5)
    if kwargs.get("negative_slope"):
        assert (out < 0).any()  # LeakyReLU, not ReLU
    else:
        assert (out >= 0).all()


def test_discriminator_maps_use_raw_kernel_not_normalised(rng):
    # The original's quirk: parameters()[0] under torch spectral norm is weight_orig.
    x = _x(rng, 4, 4)
    layer = CAMAttention(**DIS)
    layer(x)
    ref_out, _, _ = _reference(layer, x, True, 0.2)
    # The same reference, but with the maps built from W / sigma, must differ from the layer.
    sigma = {}
    for name, classifier in (("gap", layer.gap_fc), ("gmp", layer.gmp_fc)):
        raw = to_np(classifier.layer.kernel).astype(np.float64)
        u, v = to_np(classifier.vector_u), to_np(classifier.vector_v)
        sigma[name] = float((v @ raw @ u.T).item())
    assert abs(sigma["gap"] - 1) > 1e-2 and abs(sigma["gmp"] - 1) > 1e-2
    maps = np.concatenate([x * to_np(layer.gap_fc.layer.kernel)[:, 0] / sigma["gap"],
                           x * to_np(layer.gmp_fc.layer.kernel)[:, 0] / sigma["gmp"]], axis=-1)
    wrong = np_conv2d(maps, to_np(layer.conv1x1.kernel), bias=to_np(layer.conv1x1.bias))
    wrong = np.where(wrong > 0, wrong, 0.2 * wrong)
    out = to_np(layer(x)[0])
    np.testing.assert_allclose(out, ref_out, atol=2e-5, rtol=1e-5)
    assert not np.allclose(out, wrong, atol=1e-3)


def test_training_call_updates_discriminator_vectors(rng):
    x = _x(rng, 4, 4)
    layer = CAMAttention(**DIS)
    layer(x)
    # u is (1, 1) for a one-unit classifier (always +-1); v (1, C) moves.
    v0 = to_np(layer.gap_fc.vector_v)
    layer(x, training=False)
    np.testing.assert_array_equal(to_np(layer.gap_fc.vector_v), v0)
    layer(x, training=True)
    kernel = to_np(layer.gap_fc.layer.kernel)[:, 0]
    np.testing.assert_allclose(to_np(layer.gap_fc.vector_v)[0], kernel / np.linalg.norm(kernel) * np.sign(
        to_np(layer.gap_fc.vector_u)[0, 0]), atol=1e-6)
    assert not np.allclose(to_np(layer.gap_fc.vector_v), v0, atol=1e-3)


def test_symbolic_unknown_spatial_dims():
    x, cam_logit, heatmap = CAMAttention(C)(keras.Input((None, None, C)))
    assert tuple(x.shape) == (None, None, None, C)
    assert tuple(cam_logit.shape) == (None, 2)
    assert tuple(heatmap.shape) == (None, None, None, 1)


def test_rejects_non_positive_channels():
    with pytest.raises(ValueError, match="Received: channels=0"):
        CAMAttention(0)
