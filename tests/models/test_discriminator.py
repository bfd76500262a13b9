"""The global (n_layers=7) and local (n_layers=5) discriminators."""

import numpy as np
import pytest
import tensorflow as tf
from helpers import assert_keras_roundtrip, to_np

from tf_p2c.layers import CAMAttention, SpectralNorm
from tf_p2c.models import build_discriminator

NDF = 4


def discriminator_param_counts(ndf, n_layers):
    """(trainable, non-trainable) from DESIGN.md §1: 4x4 SN convs, CAM head, final SN conv.

    Non-trainable weights are the spectral-norm vectors: u (out) and v (kh*kw*in) per SN layer
    (PyTorch keeps them as buffers, not parameters).
    """
    trainable, vectors = 0, 0
    c_in = 3
    for i in range(n_layers - 1):  # n_layers - 2 stride-2 convs, then one stride-1 conv
        c_out = ndf * 2 ** i
        trainable += 16 * c_in * c_out + c_out
        vectors += c_out + 16 * c_in
        c_in = c_out
    c = c_in
    trainable += 2 * c  # gap_fc, gmp_fc: Linear(c, 1), no bias
    vectors += 2 * (1 + c)
    trainable += 2 * c * c + c  # conv1x1, bias
    trainable += 16 * c  # final conv to 1 channel, no bias
    vectors += 1 + 16 * c
    return trainable, vectors


def _count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


@pytest.mark.parametrize(
    ("n_layers", "logit_side", "heatmap_side", "channels"),
    [(7, 2, 3, NDF * 32), (5, 14, 15, NDF * 8)],
    ids=["global", "local"],
)
def test_shapes_and_parameter_counts_at_128(rng, n_layers, logit_side, heatmap_side, channels):
    model = build_discriminator(ndf=NDF, n_layers=n_layers)
    x = rng.uniform(-1, 1, (2, 128, 128, 3)).astype("float32")
    logit, cam_logit, heatmap = (to_np(t) for t in model(x))
    assert logit.shape == (2, logit_side, logit_side, 1)
    assert cam_logit.shape == (2, 2)
    assert heatmap.shape == (2, heatmap_side, heatmap_side, 1)
    cam = model.get_layer("CAM")
    assert isinstance(cam, CAMAttention) and cam.channels == channels and cam.spectral_norm
    trainable, vectors = discriminator_param_counts(NDF, n_layers)
    assert _count(model.trainable_weights) == trainable
    assert _count(model.non_trainable_weights) == vectors
    assert model.count_params() == trainable + vectors


@pytest.mark.parametrize("n_layers", [7, 5])
def test_released_size_parameter_counts(n_layers):
    # ndf = 32 as trained by the original; the model is built symbolically only.
    model = build_discriminator(ndf=32, n_layers=n_layers, img_size=256)
    assert (_count(model.trainable_weights), _count(model.non_trainable_weights)) == \
        discriminator_param_counts(32, n_layers)


def test_convolutions_are_spectral_norm_4x4_with_expected_strides():
    model = build_discriminator(ndf=NDF, n_layers=5)
    convs = [layer for layer in model.layers if isinstance(layer, SpectralNorm)]
    assert [c.name for c in convs] == ["model_1", "model_4", "model_7", "model_10", "conv"]
    assert [c.layer.strides for c in convs] == [(2, 2)] * 3 + [(1, 1)] * 2
    assert all(c.layer.kernel_size == (4, 4) for c in convs)
    assert [c.layer.use_bias for c in convs] == [True] * 4 + [False]
    assert [c.layer.filters for c in convs] == [NDF, 2 * NDF, 4 * NDF, 8 * NDF, 1]


def test_fixed_img_size_input(rng):
    model = build_discriminator(ndf=NDF, n_layers=5, img_size=64)
    assert tuple(model.inputs[0].shape) == (None, 64, 64, 3)
    logit = to_np(model(rng.uniform(-1, 1, (1, 64, 64, 3)).astype("float32"))[0])
    assert logit.shape == (1, 6, 6, 1)


def test_eval_is_deterministic_and_training_updates_vectors(rng):
    model = build_discriminator(ndf=NDF, n_layers=5)
    x = rng.uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    before = [to_np(w) for w in model.non_trainable_weights]
    kernels = [to_np(w) for w in model.trainable_weights]
    a = to_np(model(x, training=False)[0])
    b = to_np(model(x, training=False)[0])
    np.testing.assert_array_equal(a, b)
    for w, old in zip(model.non_trainable_weights, before):
        np.testing.assert_array_equal(to_np(w), old)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=True)[0] - 1.0))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None for g in grads)
    for w, old in zip(model.non_trainable_weights, before):
        if w.shape[-1] > 1:  # a (1, 1) u (one output unit) is always +-1
            assert not np.array_equal(to_np(w), old), f"{w.path} not updated by a training call"
    for w, old in zip(model.trainable_weights, kernels):
        np.testing.assert_array_equal(to_np(w), old)  # power iteration never rewrites kernels


def test_rejects_too_few_layers():
    with pytest.raises(ValueError, match="Received: n_layers=2"):
        build_discriminator(n_layers=2)


@pytest.mark.parametrize("n_layers", [7, 5])
def test_keras_save_load_round_trip(rng, tmp_path, n_layers):
    model = build_discriminator(ndf=NDF, n_layers=n_layers, img_size=128)
    x = rng.uniform(-1, 1, (1, 128, 128, 3)).astype("float32")
    model(x, training=True)  # move u/v away from their initial values, so the file must carry them
    # After a reload the wrapped kernels' variable paths change ("model_1/model_1/kernel" ->
    # "model_1/kernel"); the state-dict check proves weight export still names them weight_orig.
    reloaded = assert_keras_roundtrip(model, x, tmp_path)
    for a, b in zip(model.non_trainable_weights, reloaded.non_trainable_weights):
        np.testing.assert_array_equal(to_np(a), to_np(b))
