"""Face-ID loss: crop + resize and loss parity with the PyTorch reference, gradients, frozen network."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf

from tf_p2c.convert.state_dict import WeightsError
from tf_p2c.models.mobilefacenet import build_mobilefacenet, load_mobilefacenet
from tf_p2c.training.face_id import (
    FaceIdLoss,
    crop_box,
    crop_face,
    interpolation_matrix,
)
from paths import FIXTURES

FACEID_FIXTURES = os.path.join(FIXTURES, "faceid")
PTH = os.path.join(FACEID_FIXTURES, "mobilefacenet_w025.pth")


@pytest.fixture(scope="module")
def io():
    data = np.load(os.path.join(FACEID_FIXTURES, "faceid_io.npz"))
    out = dict(data)
    out["real"] = data["real_u8"].astype(np.float32) / 127.5 - 1.0
    out["fake"] = data["fake_u8"].astype(np.float32) / 127.5 - 1.0
    return out


@pytest.fixture(scope="module")
def loss_fn():
    return FaceIdLoss(PTH)


def test_crop_box_of_the_original():
    # h = 256: top = int(256 / 2.1 * 0.47) = 57, bottom = int(256 - 256 / 2.1 * 0.3) = 219.
    assert crop_box(256, 256) == (57, 219, 47, 209)
    top, bottom, left, right = crop_box(64, 64)
    assert bottom - top == right - left


def test_interpolation_matrix_align_corners():
    m = interpolation_matrix(5, 9)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-7)
    np.testing.assert_allclose(m @ np.arange(5.0), np.linspace(0, 4, 9), atol=1e-6)  # ends map to ends


def test_crop_and_resize_parity(io):
    crop = crop_face(io["real"]).numpy()
    assert crop.shape == (2, 112, 112, 3)
    np.testing.assert_allclose(crop, io["crop_real"], atol=1e-5, rtol=0)


def test_crop_inside_tf_function(io):
    crop = tf.function(crop_face)(tf.constant(io["real"])).numpy()
    np.testing.assert_allclose(crop, io["crop_real"], atol=1e-5, rtol=0)


def test_loss_parity(io, loss_fn):
    np.testing.assert_allclose(loss_fn.per_sample(io["real"], io["fake"]).numpy(), io["per_sample"], atol=1e-4, rtol=0)
    loss = loss_fn(io["real"], io["fake"])
    assert loss.shape == () and loss.dtype == tf.float32
    np.testing.assert_allclose(loss.numpy(), io["loss"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(loss_fn(io["real"], io["real"]).numpy(), 0.0, atol=1e-5)


def test_gradient_flows_to_fake_and_network_is_frozen(io, loss_fn):
    fake = tf.Variable(io["fake"])
    with tf.GradientTape() as tape:
        loss = loss_fn(tf.constant(io["real"]), fake)
    grad = tape.gradient(loss, fake).numpy()
    assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0
    # Same gradient magnitude as the reference's autograd (summed |d loss / d fake|).
    np.testing.assert_allclose(np.abs(grad).sum(), io["grad_fake_sum_abs"], rtol=1e-3)
    # Only the crop receives gradient.
    top, bottom, left, right = crop_box(256, 256)
    outside = grad.copy()
    outside[:, top:bottom, left:right] = 0
    assert not outside.any()
    assert loss_fn.model.trainable is False
    assert loss_fn.model.trainable_weights == []
    assert len(loss_fn.model.non_trainable_weights) > 0


def test_gradient_in_a_compiled_step_with_a_model_argument(io):
    model = build_mobilefacenet(embedding_size=16, width=0.125)
    loss_fn = FaceIdLoss(model=model)
    assert model.trainable is False
    x = tf.Variable(tf.random.stateless_normal((1, 64, 64, 3), seed=(1, 2)))

    @tf.function
    def step(real):
        with tf.GradientTape() as tape:
            loss = loss_fn(real, tf.tanh(x))
        return loss, tape.gradient(loss, x)

    real = tf.constant(io["real"][:1, ::4, ::4])
    loss, grad = step(real)
    assert np.isfinite(loss.numpy()) and np.abs(grad.numpy()).sum() > 0


def test_mixed_precision_inputs(io, loss_fn):
    loss = loss_fn(tf.constant(io["real"], tf.float16), tf.constant(io["fake"], tf.float16))
    assert loss.dtype == tf.float32
    np.testing.assert_allclose(loss.numpy(), io["loss"], atol=5e-3)


def test_missing_weights_names_the_flag(tmp_path):
    with pytest.raises(FileNotFoundError, match="--faceid_model") as info:
        FaceIdLoss()
    assert "\n" not in str(info.value)
    with pytest.raises(FileNotFoundError, match="--faceid_model .*absent.pth: no such file"):
        FaceIdLoss(tmp_path / "absent.pth")


def test_not_a_mobilefacenet_is_a_one_line_error():
    generator_checkpoint = os.path.join(os.path.dirname(FACEID_FIXTURES), "p2c_tiny.pt")
    with pytest.raises(WeightsError, match="--faceid_model") as info:
        FaceIdLoss(generator_checkpoint)
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


def test_loaded_model_is_shared(loss_fn):
    assert loss_fn.weights_path == PTH
    assert load_mobilefacenet(PTH).count_params() == loss_fn.model.count_params()
