"""Differentiable augmentation of the images every discriminator sees (DiffAugment).

With few training images a discriminator memorises them within a few thousand steps; its
verdicts then stop carrying a useful gradient and the generator collapses or oscillates.
DiffAugment (Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training",
NeurIPS 2020, arXiv:2006.10738) draws random colour, translation and cutout transforms and
applies them to real *and* fake images before each discriminator call, in the discriminator's
update and in the generator's. Because the transforms are differentiable, the generator still
receives gradients through them, and because both kinds of image are transformed alike, the
generator is not pushed to produce augmented-looking images (which augmenting only the reals
would do).

Policies (images in [-1, 1], NHWC), as the paper defines them:
- ``color``: brightness (add U(-0.5, 0.5)), saturation (scale each pixel's distance from its
  channel mean by U(0, 2)), contrast (scale the distance from the image mean by U(0.5, 1.5));
- ``translation``: shift by up to 1/8 of the side in each direction, filling with zeros;
- ``cutout``: zero a square of half the side at a random centre.
Each image of a batch draws its own parameters.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["POLICIES", "DiffAugment", "parse_policy"]

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _color(x, rng: tf.random.Generator):
    n = tf.shape(x)[0]
    x = x + (rng.uniform([n, 1, 1, 1], dtype=x.dtype) - 0.5)
    channel_mean = tf.reduce_mean(x, axis=3, keepdims=True)
    x = (x - channel_mean) * (rng.uniform([n, 1, 1, 1], dtype=x.dtype) * 2.0) + channel_mean
    image_mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - image_mean) * (rng.uniform([n, 1, 1, 1], dtype=x.dtype) + 0.5) + image_mean


def _translation(x, rng: tf.random.Generator):
    shape = tf.shape(x)
    n, h, w = shape[0], shape[1], shape[2]
    max_dy = tf.cast(tf.cast(h, tf.float32) * TRANSLATION_RATIO + 0.5, tf.int32)
    max_dx = tf.cast(tf.cast(w, tf.float32) * TRANSLATION_RATIO + 0.5, tf.int32)
    dy = rng.uniform([n, 1, 1], -max_dy, max_dy + 1, dtype=tf.int32)
    dx = rng.uniform([n, 1, 1], -max_dx, max_dx + 1, dtype=tf.int32)
    # Index into a copy with a one-pixel zero border: sources outside the image land on it.
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    rows = tf.clip_by_value(tf.range(h)[None, :, None] + dy + 1, 0, h + 1)
    cols = tf.clip_by_value(tf.range(w)[None, None, :] + dx + 1, 0, w + 1)
    batch = tf.broadcast_to(tf.range(n)[:, None, None], [n, h, w])
    index = tf.stack([batch, tf.broadcast_to(rows, [n, h, w]), tf.broadcast_to(cols, [n, h, w])], axis=-1)
    return tf.gather_nd(padded, index)


def _cutout(x, rng: tf.random.Generator):
    shape = tf.shape(x)
    n, h, w = shape[0], shape[1], shape[2]
    size_y = tf.cast(tf.cast(h, tf.float32) * CUTOUT_RATIO + 0.5, tf.int32)
    size_x = tf.cast(tf.cast(w, tf.float32) * CUTOUT_RATIO + 0.5, tf.int32)
    centre_y = rng.uniform([n, 1, 1], 0, h + (1 - size_y % 2), dtype=tf.int32)
    centre_x = rng.uniform([n, 1, 1], 0, w + (1 - size_x % 2), dtype=tf.int32)
    rows = tf.range(h)[None, :, None]
    cols = tf.range(w)[None, None, :]
    inside = ((rows >= centre_y - size_y // 2) & (rows < centre_y - size_y // 2 + size_y)
              & (cols >= centre_x - size_x // 2) & (cols < centre_x - size_x // 2 + size_x))
    return x * tf.cast(~inside, x.dtype)[..., None]


POLICIES = {"color": _color, "translation": _translation, "cutout": _cutout}


def parse_policy(policy: str) -> tuple[str, ...]:
    """'color,translation,cutout' -> its names, checked; '' or 'none' -> ()."""
    names = tuple(p.strip() for p in policy.split(",") if p.strip() and p.strip() != "none")
    unknown = [p for p in names if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown DiffAugment policy {', '.join(unknown)}; choose from {', '.join(POLICIES)}")
    return names


class DiffAugment:
    """Applies a DiffAugment policy; draws from its own seeded generator.

    Args:
        policy: comma-separated names of `POLICIES`, applied in that order.
        seed: seed of the random draws; the generator's state can be checkpointed (`self.rng`).
    """

    def __init__(self, policy: str, seed: int = 0):
        self.policy = parse_policy(policy)
        if not self.policy:
            raise ValueError("DiffAugment needs at least one policy")
        self.rng = tf.random.Generator.from_seed(seed)

    def __call__(self, x):
        for name in self.policy:
            x = POLICIES[name](x, self.rng)
        return x
