"""Loss terms of U-GAT-IT / photo2cartoon training, as small named functions.

Every function returns a float32 scalar that is a mean over all elements of its inputs, as the
original's `nn.MSELoss`, `nn.L1Loss` and `nn.BCEWithLogitsLoss` (reduction "mean"). Under a
distribution strategy the trainer divides the summed per-replica totals by the number of
replicas, which with equal per-replica batches equals the mean over the global batch
(`tf.nn.compute_average_loss` semantics).

Reference: U-GAT-IT, arXiv:1907.10830 (eq. 1-5); photo2cartoon adds the Face-ID loss.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = [
    "cam_bce_loss",
    "l1_loss",
    "lsgan_d_loss",
    "lsgan_g_loss",
    "mse_to",
]


def _f32(x):
    return tf.cast(x, tf.float32)


def mse_to(logits, target: float):
    """Mean squared error of `logits` against a constant target (`nn.MSELoss` with ones/zeros)."""
    return tf.reduce_mean(tf.square(_f32(logits) - target))


def lsgan_d_loss(real_logits, fake_logits):
    """Least-squares discriminator loss: real -> 1, fake -> 0 (U-GAT-IT eq. 1)."""
    return mse_to(real_logits, 1.0) + mse_to(fake_logits, 0.0)


def lsgan_g_loss(fake_logits):
    """Least-squares generator loss: the discriminator should call the fakes real."""
    return mse_to(fake_logits, 1.0)


def l1_loss(x, target):
    """Mean absolute difference (cycle and identity losses, U-GAT-IT eq. 2 and 3)."""
    return tf.reduce_mean(tf.abs(_f32(x) - _f32(target)))


def _bce_with_logits(logits, target: float):
    logits = _f32(logits)
    labels = tf.fill(tf.shape(logits), target)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


def cam_bce_loss(pos_logits, neg_logits):
    """Generator CAM loss (U-GAT-IT eq. 4): BCE-with-logits of `pos` to 1 and `neg` to 0.

    `pos_logits` are the CAM logits of images translated from the other domain (the auxiliary
    classifier should say "source domain"), `neg_logits` those of identity mappings.
    """
    return _bce_with_logits(pos_logits, 1.0) + _bce_with_logits(neg_logits, 0.0)


