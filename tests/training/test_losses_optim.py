"""Loss functions, the PyTorch-semantics Adam, the LR schedule, configs and the sample grid."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_p2c import losses
from tf_p2c.layers.constraints import ClipTo01
from tf_p2c.training.callbacks import colorize_heatmap, render_sample_grid
from tf_p2c.training.config import LossWeights, TrainConfig
from tf_p2c.training.optim import CoupledL2Adam, LinearDecay


def test_lsgan_and_l1_losses(rng):
    real, fake = rng.normal(size=(2, 5, 5, 1)), rng.normal(size=(2, 5, 5, 1))
    np.testing.assert_allclose(losses.lsgan_d_loss(real, fake), np.mean((real - 1) ** 2) + np.mean(fake ** 2), rtol=1e-6)
    np.testing.assert_allclose(losses.lsgan_g_loss(fake), np.mean((fake - 1) ** 2), rtol=1e-6)
    np.testing.assert_allclose(losses.l1_loss(real, fake), np.mean(np.abs(real - fake)), rtol=1e-6)


def test_cam_bce_loss_is_bce_with_logits(rng):
    pos, neg = rng.normal(size=(3, 2)) * 4, rng.normal(size=(3, 2)) * 4
    sig = lambda x: 1 / (1 + np.exp(-x))
    expected = -np.mean(np.log(sig(pos))) - np.mean(np.log(1 - sig(neg)))
    np.testing.assert_allclose(losses.cam_bce_loss(pos, neg), expected, rtol=1e-5)


def test_face_id_cosine_loss(rng):
    from tf_p2c.training.face_id import face_id_cosine_loss

    a = rng.normal(size=(4, 8)).astype(np.float32)
    np.testing.assert_allclose(face_id_cosine_loss(a, a), np.zeros(4), atol=1e-6)
    np.testing.assert_allclose(face_id_cosine_loss(a, -a), np.full(4, 2.0), rtol=1e-6)
    # Orthogonal embeddings are one apart, per sample.
    np.testing.assert_allclose(face_id_cosine_loss(np.eye(2, dtype=np.float32), np.eye(2, dtype=np.float32)[::-1]),
                               [1.0, 1.0], rtol=1e-6)


def _original_lrs(lr, iteration, decay):
    """The original trainer's loop, verbatim in spirit: lr mutated at the start of each step."""
    current, out = lr, []
    for step in range(1, iteration + 1):
        if decay and step > iteration // 2:
            current -= lr / (iteration // 2)
        out.append(current)
    return out


@pytest.mark.parametrize("iteration,decay", [(10, True), (7, True), (6, False), (2, True)])
def test_linear_decay_reproduces_the_original(iteration, decay):
    schedule = LinearDecay(1e-4, iteration, decay)
    got = [float(schedule(i)) for i in range(iteration)]  # Keras passes updates done so far
    expected = [max(v, 0.0) for v in _original_lrs(1e-4, iteration, decay)]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-12)
    assert LinearDecay.from_config(schedule.get_config()).get_config() == schedule.get_config()


def _torch_adam(w, grads, lr=1e-3, b1=0.5, b2=0.999, eps=1e-8, l2=1e-4):
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        g = g + l2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr / (1 - b1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps)
    return w


def test_coupled_l2_adam_matches_torch_formula(rng):
    w0 = rng.normal(size=(6,)).astype(np.float64)
    # Tiny gradients are where Keras' epsilon placement and torch's differ most.
    grads = [rng.normal(size=(6,)) * scale for scale in (1e-7, 1.0, 1e-3)]
    var = keras.Variable(w0.astype(np.float32))
    opt = CoupledL2Adam(learning_rate=1e-3, l2=1e-4)
    for g in grads:
        opt.apply([tf.constant(g, tf.float32)], [var])
    np.testing.assert_allclose(var.numpy(), _torch_adam(w0, grads), rtol=1e-5, atol=1e-7)
    assert CoupledL2Adam.from_config(opt.get_config()).l2 == 1e-4


def test_coupled_l2_adam_applies_the_clip_constraint():
    layer = keras.layers.Layer()
    rho = layer.add_weight(shape=(2,), initializer=keras.initializers.Constant(0.99995), constraint=ClipTo01())
    CoupledL2Adam(learning_rate=1e-3).apply([tf.constant([-1.0, 1.0])], [rho])
    np.testing.assert_allclose(rho.numpy(), [1.0, 0.99995 - 1e-3], rtol=1e-6)


def test_coupled_l2_adam_rejects_decoupled_decay():
    with pytest.raises(ValueError, match="decoupled"):
        CoupledL2Adam(weight_decay=0.1)


def test_train_config_round_trip_and_validation():
    config = TrainConfig.from_preset("smoke", gpu_ids=("0", "1"), loss_weights=LossWeights(faceid=0.0))
    again = TrainConfig.from_dict(json.loads(config.to_json()))
    assert again == config
    assert config.model.n_layers_global == 6  # 7 does not fit 64 px
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="cycle"):
        LossWeights(cycle=-1.0)


def test_render_sample_grid_layout(rng):
    rows = {"real": rng.uniform(-1, 1, (2, 16, 16, 3))}
    for name in ("identity", "fake", "cycle"):
        rows[name] = rng.uniform(-1, 1, (2, 16, 16, 3))
        rows[f"{name}_heatmap"] = rng.normal(size=(2, 4, 4, 1))
    grid = render_sample_grid(rows, rows)
    assert grid.shape == (7 * 16, 4 * 16, 3) and grid.dtype == np.uint8
    real = (rows["real"][0] + 1) / 2 * 255
    np.testing.assert_allclose(grid[:16, :16], real, atol=1)
    heat = colorize_heatmap(rows["fake_heatmap"][0], 16)
    assert heat.shape == (16, 16, 3) and heat.min() >= 0 and heat.max() <= 1
