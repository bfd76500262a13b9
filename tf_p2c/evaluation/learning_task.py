"""A translation task whose answer is known: photo crops -> the same crops through `cartoon_filter`.

Domain A is crops of the sample portrait that ships with the package (`tf_p2c.assets.SAMPLE_PHOTO`),
heavily augmented (random scale and position, flips, quarter turns, colour jitter) so that one
photo gives a varied domain; domain B is *other* crops of it, independently drawn, passed through
the filter. Training sees them unpaired, as it would see photos and cartoons. The held-out test
crops come from a strip of the photo that no training crop touches (its right `TEST_STRIP`), so
the scores are on pixels the networks never saw; their targets are `cartoon_filter(test crop)`.

Training files are written at `img_size + RESIZE_MARGIN` pixels, so the training pipeline's
resize is the identity and its random crop keeps their pixel scale; the test crops are the
centre `img_size` squares of crops drawn and filtered the same way, so they share it too.

`score_translation` reports, over the held-out crops, PSNR and SSIM of G(A) against filter(A)
beside those of A itself against filter(A) (what a network that learned nothing but the identity
would score), and KID of G(A) against the training cartoons.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from tf_p2c.data.pipeline import RESIZE_MARGIN
from tf_p2c.evaluation.cartoon_filter import cartoon_filter

__all__ = ["LEARNING_MODEL", "TEST_STRIP", "LearningCurve", "LearningTask", "TranslationScores", "load_task", "make_task", "score_translation", "ssim",
           "training_cartoons"]

TEST_STRIP = 0.25  # right fraction of the photo kept for the held-out crops
# The smallest model that trains on two CPU cores in minutes: 32 px, 8 base channels, light
# generator (pooled style MLP, so its weights also run at other sizes), discriminators as deep as
# 32 px allows. `tf_p2c.config.ModelConfig(**LEARNING_MODEL)`.
LEARNING_MODEL = {"ngf": 8, "ndf": 8, "img_size": 32, "light": True, "n_layers_global": 5, "n_layers_local": 3}
_MIN_CROP_FRACTION = 0.12  # crop sides drawn between these fractions of the training region's height
_MAX_CROP_FRACTION = 0.5
_MIN_CROP_STD = 12.0  # grey levels


@dataclasses.dataclass(frozen=True)
class LearningTask:
    """Where `make_task` wrote the task, and the held-out pairs in memory (uint8 NHWC)."""

    data_root: str
    dataset: str
    test_photos: np.ndarray
    test_targets: np.ndarray


@dataclasses.dataclass(frozen=True)
class TranslationScores:
    """Held-out figures of one generator; `*_identity` are A's own against filter(A)."""

    psnr: float
    ssim: float
    psnr_identity: float
    ssim_identity: float
    kid: float

    @property
    def psnr_gain(self) -> float:
        return self.psnr - self.psnr_identity

    @property
    def ssim_gain(self) -> float:
        return self.ssim - self.ssim_identity


def _photo() -> np.ndarray:
    from tf_p2c import image_io
    from tf_p2c.assets import SAMPLE_PHOTO

    return image_io.read_image(SAMPLE_PHOTO)


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    import cv2

    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)


def _jitter(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Flip, quarter turn, and brightness / contrast / saturation / channel-gain jitter."""
    if rng.random() < 0.5:
        image = image[:, ::-1]
    image = np.rot90(image, k=int(rng.integers(4)))
    x = image.astype(np.float32)
    grey = x.mean(axis=2, keepdims=True)
    x = grey + (x - grey) * rng.uniform(0.6, 1.4)  # saturation
    x = (x - 128.0) * rng.uniform(0.75, 1.25) + 128.0 + rng.uniform(-30, 30)  # contrast, brightness
    x = x * rng.uniform(0.85, 1.15, size=3)  # colour cast
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def _random_crop(region: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random square crop resized to `size`, drawn again while it is nearly plain (the
    photo's black sky), which would teach nothing."""
    h, w = region.shape[:2]
    while True:
        side = int(rng.uniform(_MIN_CROP_FRACTION, _MAX_CROP_FRACTION) * min(h, w))
        y, x = int(rng.integers(h - side + 1)), int(rng.integers(w - side + 1))
        crop = region[y:y + side, x:x + side]
        if crop.std() >= _MIN_CROP_STD:
            return _resize(crop, size)


def _write(folder: str, images) -> None:
    from tf_p2c.image_io import write_image_atomic

    os.makedirs(folder, exist_ok=True)
    for i, image in enumerate(images):
        write_image_atomic(os.path.join(folder, f"{i:04d}.png"), image)


def make_task(data_root: str, img_size: int, n_a: int, n_b: int, n_test: int, seed: int = 0,
              dataset: str = "filter") -> LearningTask:
    """Writes DATA_ROOT/DATASET/{trainA, trainB, testA, testB} and returns the held-out pairs.

    testB holds filter(testA) (the targets), which the training loop only uses for its sample
    grids; the scores compare against `test_targets` directly.
    """
    if min(n_a, n_b, n_test) < 1:
        raise ValueError(f"n_a, n_b and n_test must be >= 1. Received: {n_a}, {n_b}, {n_test}")
    photo = _photo()
    split = int(photo.shape[1] * (1.0 - TEST_STRIP))
    train_region, test_region = photo[:, :split], photo[:, split:]
    rng = np.random.default_rng(seed)
    train_side = img_size + RESIZE_MARGIN
    trainA = [_jitter(_random_crop(train_region, train_side, rng), rng) for _ in range(n_a)]
    trainB = [cartoon_filter(_jitter(_random_crop(train_region, train_side, rng), rng)) for _ in range(n_b)]
    # Held-out crops: drawn and filtered as the training ones (no colour jitter: a fixed, plain test
    # set), then their centre img_size square, which is what a training crop sees at that zoom.
    test_rng = np.random.default_rng(10_000 + seed)
    drawn = [_random_crop(test_region, train_side, test_rng) for _ in range(n_test)]
    centre = slice(RESIZE_MARGIN // 2, RESIZE_MARGIN // 2 + img_size)
    test_photos = np.stack([a[centre, centre] for a in drawn])
    test_targets = np.stack([cartoon_filter(a)[centre, centre] for a in drawn])
    root = os.path.join(data_root, dataset)
    for name, images in (("trainA", trainA), ("trainB", trainB), ("testA", test_photos), ("testB", test_targets)):
        _write(os.path.join(root, name), images)
    return LearningTask(data_root, dataset, test_photos, test_targets)


def _read_folder(folder: str) -> np.ndarray:
    from tf_p2c import image_io

    return np.stack([image_io.read_image(os.path.join(folder, name), min_side=1)
                     for name in image_io.list_images(folder)])


def load_task(data_root: str, dataset: str = "filter") -> LearningTask:
    """The task `make_task` wrote, read back (testA holds the photos, testB their targets)."""
    root = os.path.join(data_root, dataset)
    return LearningTask(data_root, dataset, _read_folder(os.path.join(root, "testA")),
                        _read_folder(os.path.join(root, "testB")))


def training_cartoons(task: LearningTask, img_size: int) -> np.ndarray:
    """The task's training cartoons (trainB), their top-left `img_size` squares: KID's reference set."""
    return _read_folder(os.path.join(task.data_root, task.dataset, "trainB"))[:, :img_size, :img_size]


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of uint8 image batches (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5,
    K1 0.01, K2 0.03, peak 255), computed on each RGB channel and averaged."""
    import tensorflow as tf

    return float(tf.reduce_mean(tf.image.ssim(tf.constant(a, tf.float32), tf.constant(b, tf.float32),
                                              max_val=255.0, filter_size=11)))


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    from tf_p2c.export.parity import psnr_db
    from tf_p2c.scaling import from_uint8

    return psnr_db(from_uint8(a), from_uint8(b))


def score_translation(generator, task: LearningTask, cartoons: np.ndarray, features) -> TranslationScores:
    """Held-out figures of `generator` (a genA2B Keras model) on `task`.

    Args:
        generator: maps [-1, 1] NHWC to (image, cam_logit, heatmap).
        task: from `make_task`.
        cartoons: uint8 NHWC domain-B images, the reference set of KID.
        features: a feature extractor of `tf_p2c.evaluation.inception` ([-1, 1] NHWC -> features).
    """
    from tf_p2c.evaluation.kid import kernel_inception_distance
    from tf_p2c.scaling import from_uint8, to_uint8

    outputs = to_uint8(generator(from_uint8(task.test_photos), training=False)[0])
    kid, _ = kernel_inception_distance(features(from_uint8(outputs)), features(from_uint8(cartoons)))
    return TranslationScores(
        psnr=_psnr(outputs, task.test_targets), ssim=ssim(outputs, task.test_targets),
        psnr_identity=_psnr(task.test_photos, task.test_targets),
        ssim_identity=ssim(task.test_photos, task.test_targets), kid=float(kid))


class LearningCurve:
    """A training callback (`tf_p2c.training.callbacks.Callback` protocol) that scores genA2B on
    the task's held-out crops at step 0 (the untrained network) and every `every` steps, and at
    the last step. Outside the training loop, `watch` a generator and call `score` yourself.

    `rows` holds one dict per scored step: the `TranslationScores` fields, `psnr_gain` /
    `ssim_gain` (vs the identity) and `*_since_start` (vs step 0). `outputs` holds G(A) of the
    first `keep_outputs` crops at each of those steps (uint8 NHWC).
    """

    def __init__(self, task: LearningTask, cartoons: np.ndarray, every: int, keep_outputs: int = 8):
        from tf_p2c.evaluation.inception import TinyFeatures

        self.task, self.cartoons, self.every, self.keep_outputs = task, cartoons, every, keep_outputs
        self.features = TinyFeatures()
        self.rows, self.outputs = [], []
        self.trainer = None
        self.generator = None

    def watch(self, generator, step: int) -> None:
        """Scores `generator` from now on, starting with its figures at `step`."""
        self.generator = generator
        self.score(step)

    def on_train_begin(self, trainer, start_step):
        self.trainer = trainer
        self.watch(trainer.networks["genA2B"], start_step)

    def on_step_end(self, step, logs):
        if step % self.every == 0:
            self.score(step)

    def on_train_end(self, step):
        if self.rows[-1]["step"] != step:
            self.score(step)

    def score(self, step: int) -> dict:
        from tf_p2c.scaling import from_uint8, to_uint8

        generator = self.generator
        scores = score_translation(generator, self.task, self.cartoons, self.features)
        start = self.rows[0] if self.rows else dataclasses.asdict(scores)
        row = {"step": step, **dataclasses.asdict(scores), "psnr_gain": scores.psnr_gain,
               "ssim_gain": scores.ssim_gain, "psnr_since_start": scores.psnr - start["psnr"],
               "ssim_since_start": scores.ssim - start["ssim"], "kid_since_start": scores.kid - start["kid"]}
        self.rows.append(row)
        crops = from_uint8(self.task.test_photos[:self.keep_outputs])
        self.outputs.append(to_uint8(generator(crops, training=False)[0]))
        return row
