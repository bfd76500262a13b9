"""`--mixed_precision` on CPU: float16 compute, float32 variables, loss scaling, real updates."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_p2c.config import ModelConfig
from tf_p2c.training.config import LossWeights, TrainConfig
from tf_p2c.training.trainer import UGATIT


@pytest.fixture
def trainer():
    """A tiny trainer built under the mixed_float16 policy (restored to float32 afterwards)."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = ModelConfig(ngf=8, ndf=8, img_size=64, n_layers_global=6)
        config = TrainConfig(model=model, batch_size=1, mixed_precision=True, iteration=10, tensorboard=False,
                             progress=False, run_eagerly=True, loss_weights=LossWeights(faceid=0.0))
        keras.utils.set_random_seed(0)
        yield UGATIT(config)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_mixed_precision_steps_update_every_network(trainer):
    assert isinstance(trainer.g_optimizer, keras.optimizers.LossScaleOptimizer)
    rng = np.random.default_rng(0)
    a, b = (tf.constant(rng.uniform(-1, 1, (1, 64, 64, 3)).astype("float32")) for _ in range(2))
    generator = trainer["genA2B"]
    assert generator.weights[0].dtype == "float32"
    assert generator(a)[0].dtype == tf.float16

    # The default initial scale (2^15) overflows float16 gradients of this loss (the CAM term
    # alone is weighted 1000) for the first ~15 steps, which are then skipped while the scale
    # halves; start where it settles so that two steps show real updates.
    for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
        optimizer.dynamic_scale.assign(2.0)
    before = {name: [v.numpy().copy() for v in net.trainable_variables] for name, net in trainer.networks.items()}
    for _ in range(2):
        out = trainer.train_step(a, b)
    assert all(np.isfinite(float(v)) for v in out.values())
    for name, net in trainer.networks.items():
        after = [v.numpy() for v in net.trainable_variables]
        assert all(v.dtype == np.float32 and np.all(np.isfinite(v)) for v in after), name
        changed = sum(not np.array_equal(x, y) for x, y in zip(before[name], after))
        assert changed > len(after) // 2, f"{name}: only {changed} of {len(after)} variables changed"


def test_overflowing_steps_are_skipped_and_the_scale_halves(trainer):
    a = tf.constant(np.random.default_rng(1).uniform(-1, 1, (1, 64, 64, 3)).astype("float32"))
    generator = trainer["genA2B"]
    scale = float(trainer.g_optimizer.dynamic_scale)
    before = [v.numpy().copy() for v in generator.trainable_variables]
    trainer.train_step(a, a)
    # An overflow leaves the weights untouched (never NaN) and halves the scale.
    assert float(trainer.g_optimizer.dynamic_scale) == scale / 2
    assert all(np.array_equal(x, v.numpy()) for x, v in zip(before, generator.trainable_variables))


def test_the_exported_generator_of_a_mixed_precision_run_is_float32(trainer, tmp_path):
    from tf_p2c.network_files import load_generator
    from tf_p2c.training.loop import export_generator

    assert keras.mixed_precision.global_policy().name == "mixed_float16"  # as during the run
    path = export_generator(trainer, str(tmp_path))
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
    from tf_p2c.training.precision import float32_policy

    with float32_policy():  # as a user loads it, in a process of its own
        model = load_generator(path)
    x = tf.zeros((1, 64, 64, 3))
    assert all(w.dtype == "float32" for w in model.weights) and model(x)[0].dtype == tf.float32
    np.testing.assert_allclose(model(x)[0], tf.cast(trainer["genA2B"](x)[0], tf.float32), atol=2e-2)
