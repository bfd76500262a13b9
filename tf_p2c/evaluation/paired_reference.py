"""The learning task's generator trained with the answer: what the network can learn in a budget.

`benchmarks/bench_learning.py` trains the GAN unpaired and scores genA2B against the known
translation. How high can such a score get? Trained instead on the pairs (photo, cartoon_filter
(photo)) with an L1 loss, with everything else the GAN run has — network, initialisation,
optimizer and learning-rate schedule, augmentation, batch, steps, seed — the same generator shows
how much of the translation it can learn in that budget when it is told the answer. A GAN run
that scores near this reference has learned about as much as its network and budget allow; the
gap from the reference to the identity belongs to the network and the budget, not to the GAN.
"""

from __future__ import annotations

import os

import numpy as np

from tf_p2c.evaluation.learning_task import LearningCurve, LearningTask

__all__ = ["training_pairs", "fit_paired"]


def training_pairs(task: LearningTask) -> np.ndarray:
    """The task's training photos (trainA) beside their true translation, as (N, S, S, 6) uint8:
    channels 0-2 the photo, 3-5 `cartoon_filter` of it, at the files' size (img_size + margin)."""
    from tf_p2c import image_io
    from tf_p2c.evaluation.cartoon_filter import cartoon_filter

    folder = os.path.join(task.data_root, task.dataset, "trainA")
    photos = [image_io.read_image(os.path.join(folder, name), min_side=1) for name in image_io.list_images(folder)]
    if not photos:
        raise ValueError(f"no training photos in {folder}")
    return np.stack([np.concatenate([p, cartoon_filter(p)], axis=-1) for p in photos])


def fit_paired(task: LearningTask, model_config, steps: int, lr: float, seed: int = 0,
               curve: LearningCurve | None = None, l2: float = 1e-4, decay: bool = True):
    """Trains a fresh genA2B on the task's pairs with an L1 loss; returns the generator.

    As the GAN run of the same arguments: generator built and initialised after
    `set_random_seed(seed)`, the trainer's optimizer (`make_optimizer`: the original's Adam,
    coupled L2 and linear decay over the second half), batch 1, and the training pipeline's own
    augmentation (`pipeline.augment`: flip, resize, random crop), applied to photo and target
    together so that they stay aligned.

    Args:
        task: from `learning_task.make_task` (its trainA files are read).
        model_config: the generator's `ModelConfig`.
        steps: updates.
        lr: initial learning rate.
        seed: initialisation, sampling and augmentation seed.
        curve: scores the generator at step 0, every `curve.every` steps and at the end.
        l2, decay: the optimizer's coupled weight decay and learning-rate decay.
    """
    import keras
    import tensorflow as tf

    from tf_p2c.data.pipeline import augment
    from tf_p2c.models.generator import build_generator
    from tf_p2c.training.optim import make_optimizer

    if steps < 1:
        raise ValueError(f"steps must be >= 1. Received: steps={steps}")
    pairs = training_pairs(task)
    keras.utils.set_random_seed(seed)
    generator = build_generator(model_config, name="genA2B")
    optimizer = make_optimizer(lr, steps, decay, l2=l2)
    optimizer.build(generator.trainable_variables)
    img_size = model_config.img_size

    @tf.function(input_signature=[tf.TensorSpec(pairs.shape[1:], tf.uint8), tf.TensorSpec([2], tf.int64)])
    def train_step(pair, augment_seed):
        both = augment(pair, augment_seed, img_size, training=True)[None]
        photo, target = both[..., :3], both[..., 3:]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(generator(photo, training=True)[0] - target))
        # The CAM classifier's biases get no gradient from the image loss: zeros, as for a frozen term.
        variables = generator.trainable_variables
        grads = tape.gradient(loss, variables)
        optimizer.apply([tf.zeros(v.shape, v.dtype) if g is None else g for g, v in zip(grads, variables)], variables)
        return loss

    rng = np.random.default_rng(seed)
    if curve is not None:
        curve.watch(generator, 0)
    for step in range(1, steps + 1):
        train_step(pairs[rng.integers(len(pairs))], tf.constant([seed, step], tf.int64))
        if curve is not None and step % curve.every == 0:
            curve.score(step)
    if curve is not None and curve.rows[-1]["step"] != steps:
        curve.score(steps)
    return generator
