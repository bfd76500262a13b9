"""DiffAugment: each policy does what its definition says, gradients pass, draws are seeded."""

import numpy as np
import pytest
import tensorflow as tf

from tf_p2c.training.diff_augment import CUTOUT_RATIO, TRANSLATION_RATIO, DiffAugment, parse_policy


def _images(n=6, side=16, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, (n, side, side, 3)), tf.float32)


def _shifted(image, dy, dx):
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    for y in range(h):
        for x in range(w):
            sy, sx = y + dy, x + dx
            if 0 <= sy < h and 0 <= sx < w:
                out[y, x] = image[sy, sx]
    return out


def test_translation_is_a_zero_filled_shift_within_an_eighth_of_the_side():
    x = _images().numpy()
    out = DiffAugment("translation", seed=1)(tf.constant(x)).numpy()
    limit = int(16 * TRANSLATION_RATIO + 0.5)
    shifts = set()
    for image, result in zip(x, out):
        found = [(dy, dx) for dy in range(-limit, limit + 1) for dx in range(-limit, limit + 1)
                 if np.array_equal(_shifted(image, dy, dx), result)]
        assert found, "output is not a shift of its input"
        shifts.add(found[0])
    assert len(shifts) > 1, "every image drew the same shift"


def test_cutout_zeroes_one_square_of_half_the_side_and_keeps_the_rest():
    x = _images().numpy() * 0.5 + 0.6  # no zeros in the input
    out = DiffAugment("cutout", seed=2)(tf.constant(x)).numpy()
    size = int(16 * CUTOUT_RATIO + 0.5)
    for image, result in zip(x, out):
        zero = np.all(result == 0, axis=-1)
        kept = ~zero
        np.testing.assert_array_equal(result[kept], image[kept])
        rows, cols = np.nonzero(zero)
        assert rows.size, "nothing was cut out"
        # One axis-aligned rectangle, at most size x size (smaller where it crosses the border).
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert height <= size and width <= size and rows.size == height * width


def test_color_keeps_shape_and_changes_each_image_differently():
    x = _images()
    out = DiffAugment("color", seed=3)(x).numpy()
    assert out.shape == x.shape
    offsets = (out - x.numpy()).mean(axis=(1, 2, 3))
    assert np.unique(np.round(offsets, 5)).size == len(offsets)


def test_gradients_pass_through_every_policy():
    x = tf.Variable(_images(n=2))
    augment = DiffAugment("color,translation,cutout", seed=4)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(augment(x) ** 2)
    grad = tape.gradient(loss, x).numpy()
    assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0


def test_same_seed_same_draws_other_seed_other_draws():
    x = _images()
    policy = "color,translation,cutout"
    a, b, c = DiffAugment(policy, seed=5)(x), DiffAugment(policy, seed=5)(x), DiffAugment(policy, seed=6)(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())


def test_policy_names_are_checked():
    assert parse_policy("color, cutout") == ("color", "cutout")
    assert parse_policy("") == () and parse_policy("none") == ()
    with pytest.raises(ValueError, match="unknown DiffAugment policy flip"):
        parse_policy("color,flip")


def test_train_config_refuses_an_unknown_policy():
    from tf_p2c.training.config import TrainConfig

    with pytest.raises(ValueError, match="unknown DiffAugment policy"):
        TrainConfig(diff_augment="colour")


def test_trainer_augments_every_discriminator_input_and_compute_losses_changes_nothing(tmp_path):
    from tf_p2c.training.checkpoints import TrainingCheckpoint
    from tf_p2c.training.config import LossWeights, TrainConfig
    from tf_p2c.training.trainer import UGATIT

    config = TrainConfig.from_preset("smoke", loss_weights=LossWeights(faceid=0.0), run_eagerly=True,
                                     diff_augment="color,translation,cutout")
    trainer = UGATIT(config)
    real_a, real_b = _images(n=1, side=64, seed=1), _images(n=1, side=64, seed=2)
    state = trainer.augment.rng.state.numpy().copy()
    first, second = trainer.compute_losses(real_a, real_b), trainer.compute_losses(real_a, real_b)
    assert all(float(first[k]) == float(second[k]) for k in first)
    np.testing.assert_array_equal(trainer.augment.rng.state.numpy(), state)
    # Without augmentation the same weights judge other images, so the D terms differ.
    plain = UGATIT(config.replace(diff_augment=""))
    plain.load_networks_from(trainer.networks)
    assert float(plain.compute_losses(real_a, real_b)["D_loss"]) != float(first["D_loss"])
    # The augmentation draws are part of a checkpoint, so a resumed run continues them.
    checkpoint = TrainingCheckpoint(trainer, str(tmp_path / "ckpt"))
    names = [name for name, _ in tf.train.list_variables(checkpoint.save())]
    assert any(name.startswith("diff_augment_rng/") for name in names)
