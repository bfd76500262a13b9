"""A set of gradients with a non-finite norm is applied as zeros and counted, not as NaN."""

import numpy as np
import tensorflow as tf

from tf_p2c.training.config import LossWeights, TrainConfig
from tf_p2c.training.trainer import UGATIT


def test_non_finite_gradients_become_zeros_and_are_counted():
    trainer = UGATIT(TrainConfig.from_preset("smoke", loss_weights=LossWeights(faceid=0.0), run_eagerly=True))
    finite = [tf.constant([1.0, -2.0]), tf.constant([[3.0]])]
    kept = trainer._finite_or_zero(finite)
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(kept, finite))
    assert int(trainer.skipped_updates.numpy()) == 0
    # Each element finite, but the squared norm overflows float32: the update would be garbage.
    for bad in ([tf.constant([1e20, 1.0]), tf.constant([[3.0]])], [tf.constant([np.nan, 1.0]), tf.constant([[3.0]])]):
        zeroed = trainer._finite_or_zero(bad)
        assert all(not np.any(g.numpy()) for g in zeroed)
    assert int(trainer.skipped_updates.numpy()) == 2
