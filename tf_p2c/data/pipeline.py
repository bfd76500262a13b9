"""The unpaired training input: `tf.data` pipelines of photos (domain A) and cartoons (domain B).

`make_unpaired_dataset` yields ``(real_a, real_b)`` float32 NHWC batches in [-1, 1]: two
independently shuffled, endlessly repeated streams zipped together, as the original's two
`DataLoader`s with ``shuffle=True`` were. Training augmentation is the original's
``RandomHorizontalFlip -> Resize((img+30, img+30)) -> RandomCrop(img) -> Normalize(0.5, 0.5)``;
evaluation only resizes to ``img x img``.

Determinism: all randomness is stateless and derived from ``seed``. Each element drawn from a
domain's stream gets the seed ``(domain seed, draw index)``, so the same seed gives the same
batches, eagerly or in a graph, and ``skip_steps=k`` resumes at batch k by skipping file names
(or TFRecord records) before anything is decoded, which is cheap even for k = 100k. Files the
pre-scan rejects are gone before the draws; only a file that passes the scan and then fails to
decode shifts the resumed stream (by one image). For an always-exact resume, checkpoint the
iterator instead: ``tf.train.Checkpoint(data=iterator).save(...)`` / ``.restore(...)``.

Sources: an image folder (walked recursively; e.g. the original's ``trainA``), TFRecord shards
written by ``python -m tf_p2c preprocess --format tfrecord`` (a file, a glob, or a folder of
``*.tfrecord``), or a list of these.

Decoding is pure TensorFlow (no Python in the running pipeline: no GIL contention, and no
hang at interpreter exit, which Python ops in live tf.data iterators can cause). A header
pre-scan (`prescan_images`) drops files that are not images, empty, or in a format
`tf.io.decode_image` cannot read, logging each once and counting it in `SkipLog`; a source
with no usable file is an error naming it. A file that passes the scan but fails to decode
(truncated data) is dropped by `ignore_errors`, logged by tf.data. Training drops crops of a
single colour (`drop_flat_images`), which would drive the generators' gradients to overflow.
EXIF orientation is not applied here (a warning counts such files): the preprocess job writes
upright crops.
"""

from __future__ import annotations

import glob
import logging
import os
import random
import threading
from typing import Optional, Sequence, Union

import tensorflow as tf

from tf_p2c import image_io
from tf_p2c.scaling import pixels_to_unit

log = logging.getLogger(__name__)

Source = Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]

RESIZE_MARGIN = 30  # the original resizes to img_size + 30 before the random crop
FLAT_STD = 1.0 / 127.5  # one grey level in [-1, 1]: training crops with less detail are dropped
MAX_CONSECUTIVE_FLAT = 1000
TFRECORD_SUFFIXES = (".tfrecord", ".tfrecords", ".tfrec")
_TFRECORD_SHUFFLE_BUFFER = 256  # records are ~100 kB PNGs: bounded memory


# ----------------------------------------------------------------------------- pure ops


def random_flip(image: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Flips an (H, W, C) image left-right with probability 1/2.

    Args:
        image: (H, W, C) tensor.
        seed: shape [2] int32/int64 stateless seed.
    """
    return tf.image.stateless_random_flip_left_right(image, seed)


def resize(image: tf.Tensor, size: int) -> tf.Tensor:
    """Resizes an (H, W, C) image to (size, size), bilinear, as torchvision's ``Resize((s, s))``.

    Antialiased, like PIL's bilinear filter that torchvision uses on PIL images, when shrinking.

    Args:
        image: (H, W, C) uint8 or float tensor.
        size: output side.

    Returns:
        (size, size, C) float32 in the input's value range.
    """
    resized = tf.image.resize(tf.cast(image, tf.float32), [size, size], method="bilinear", antialias=True)
    return tf.clip_by_value(resized, 0.0, 255.0)


def resize_and_random_crop(image: tf.Tensor, img_size: int, seed: tf.Tensor, margin: int = RESIZE_MARGIN) -> tf.Tensor:
    """Resizes to (img_size + margin)² and takes a random img_size² crop.

    Args:
        image: (H, W, C) image, values in [0, 255].
        img_size: output side.
        seed: shape [2] stateless seed.
        margin: extra side before cropping (30 in the original).

    Returns:
        (img_size, img_size, C) float32 in [0, 255].
    """
    resized = resize(image, img_size + margin)
    channels = image.shape[-1] if image.shape[-1] is not None else tf.shape(image)[-1]
    return tf.image.stateless_random_crop(resized, [img_size, img_size, channels], seed)


def normalize(image: tf.Tensor) -> tf.Tensor:
    """[0, 255] -> [-1, 1] float32 (torchvision ``ToTensor`` then ``Normalize(0.5, 0.5)``)."""
    return pixels_to_unit(tf.cast(image, tf.float32))


def augment(image: tf.Tensor, seed: tf.Tensor, img_size: int, training: bool) -> tf.Tensor:
    """The full per-image transform: flip, resize + crop, normalise (training) or resize, normalise.

    Args:
        image: (H, W, 3) uint8.
        seed: shape [2] stateless seed (ignored when not training).
        img_size: output side.
        training: random augmentation or plain resize.

    Returns:
        (img_size, img_size, 3) float32 in [-1, 1].
    """
    if not training:
        return normalize(resize(image, img_size))
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), num=2)
    flipped = random_flip(image, seeds[0])
    return normalize(resize_and_random_crop(flipped, img_size, seeds[1]))


# ----------------------------------------------------------------------------- sources


class SkipLog:
    """Unreadable images met by a pipeline: each logged once, counted, reasons kept.

    Attributes:
        skipped: {path: reason} of every unreadable image seen so far.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.skipped: dict[str, str] = {}

    @property
    def count(self) -> int:
        return len(self.skipped)

    def add(self, path: str, reason: str) -> None:
        with self._lock:
            if path in self.skipped:
                return
            self.skipped[path] = reason
        log.warning("skipping unreadable image %s: %s", path, reason)


def resolve_source(source: Source) -> tuple[str, list[str]]:
    """Finds the files of a source.

    Args:
        source: image folder, TFRecord file, glob, folder of TFRecords, or a list of these.

    Returns:
        ("images" | "tfrecord", sorted file paths).

    Raises:
        FileNotFoundError: a path or glob that matches nothing.
        ValueError: an empty folder, or a list mixing images and TFRecords.
    """
    if isinstance(source, (list, tuple)):
        if not source:
            raise ValueError("empty list of data sources")
        parts = [resolve_source(s) for s in source]
        kinds = {k for k, _ in parts}
        if len(kinds) > 1:
            raise ValueError(f"data sources mix image folders and TFRecords: {list(map(os.fspath, source))}")
        return kinds.pop(), [f for _, files in parts for f in files]
    path = os.fspath(source)
    if os.path.isdir(path):
        images = [os.path.join(path, r) for r in image_io.list_images(path)]
        if images:
            return "images", images
        records = sorted(f for f in glob.glob(os.path.join(path, "*")) if f.endswith(TFRECORD_SUFFIXES))
        if records:
            return "tfrecord", records
        raise ValueError(f"no images ({', '.join(image_io.IMAGE_EXTENSIONS)}) or *.tfrecord files in {path}")
    if os.path.isfile(path):
        if path.endswith(TFRECORD_SUFFIXES):
            return "tfrecord", [path]
        if image_io.is_image_file(path):
            return "images", [path]
        raise ValueError(f"{path} is neither an image nor a TFRecord file ({', '.join(TFRECORD_SUFFIXES)})")
    if glob.has_magic(path):
        matches = sorted(f for f in glob.glob(path, recursive=True) if os.path.isfile(f))
        if matches:
            return resolve_source(matches)
        raise FileNotFoundError(f"no files match {path}")
    raise FileNotFoundError(f"data source {path} does not exist")


# Formats TensorFlow's `tf.io.decode_image` decodes (CMYK JPEG and 16-bit PNG included).
_TF_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP")


def prescan_images(files: Sequence[str], skip_log: SkipLog, source: str = "") -> list[str]:
    """Keeps the files whose header is a format the pipeline decodes; the rest go to `skip_log`.

    Header-only (`image_io.probe_image`), so about 0.1 ms a file. Truncated pixel data passes and
    is dropped at decode time instead (`ignore_errors`, logged by tf.data).

    Args:
        files: image paths.
        skip_log: receives every rejected file with its reason.
        source: name used in messages.

    Raises:
        ValueError: no file of `source` is usable.
    """
    usable, rotated = [], 0
    for path in files:
        try:
            fmt, _, _, orientation = image_io.probe_image(path)
        except image_io.ImageReadError as err:
            skip_log.add(path, str(err))
            continue
        if fmt not in _TF_FORMATS:
            skip_log.add(path, f"{fmt or 'this'} format is not decoded by the training pipeline "
                               f"(use {', '.join(_TF_FORMATS)})")
            continue
        rotated += orientation != 1
        usable.append(path)
    if rotated:
        log.warning("%d images in %s carry an EXIF rotation that the training pipeline does not apply; "
                    "run `python -m tf_p2c preprocess` (which does) to make upright crops", rotated, source)
    if not usable:
        raise ValueError(f"no readable image among the {len(files)} files of {source or 'the data source'}")
    return usable


def decode_rgb(data: tf.Tensor) -> tf.Tensor:
    """Encoded PNG / JPEG / BMP / GIF / WebP bytes -> (H, W, 3) uint8 RGB, graph-safe.

    Grayscale is expanded, transparency composited on white (as `image_io.read_image` does),
    16-bit PNG scaled to 8 bits by the decoder. EXIF orientation is not applied.

    Args:
        data: scalar string tensor, the file's bytes.
    """
    image = tf.io.decode_image(data, channels=0, dtype=tf.uint8, expand_animations=False)
    x = tf.cast(image, tf.float32)

    def on_white(color, alpha):
        a = alpha / 255.0
        return color * a + 255.0 * (1.0 - a)

    branches = [
        lambda: tf.tile(x[..., :1], [1, 1, 3]),  # L
        lambda: tf.tile(on_white(x[..., :1], x[..., 1:2]), [1, 1, 3]),  # LA
        lambda: x[..., :3],  # RGB
        lambda: on_white(x[..., :3], x[..., 3:4]),  # RGBA
    ]
    rgb = tf.switch_case(tf.shape(image)[-1] - 1, branches)
    rgb = tf.cast(tf.round(rgb), tf.uint8)
    rgb.set_shape([None, None, 3])
    return rgb


def _draws(files: list[str], seed: int, training: bool) -> tf.data.Dataset:
    """(draw index, file) stream: shuffled and repeated for training, one ordered pass otherwise."""
    ds = tf.data.Dataset.from_tensor_slices(files)
    if training:
        ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True).repeat()
    return ds.enumerate()


def make_image_dataset(
    source: Source,
    img_size: int = 256,
    seed: Optional[int] = None,
    training: bool = True,
    skip: int = 0,
    skip_log: Optional[SkipLog] = None,
) -> tf.data.Dataset:
    """One domain's stream of (img_size, img_size, 3) float32 images in [-1, 1] (unbatched).

    Args:
        source: see `resolve_source`.
        img_size: output side.
        seed: seed of the shuffle and augmentation; None draws one.
        training: shuffled, repeated and augmented, or one ordered pass resized only.
        skip: draws to skip before decoding (resume).
        skip_log: collects unreadable images (a private one when None).

    Returns:
        An unbatched dataset.
    """
    kind, files = resolve_source(source)
    seed = random.SystemRandom().randrange(2**31) if seed is None else int(seed)
    skip_log = skip_log if skip_log is not None else SkipLog()
    if kind == "images":
        files = prescan_images(files, skip_log, os.fspath(source) if not isinstance(source, (list, tuple)) else "")

        def load(index, path):
            return index, decode_rgb(tf.io.read_file(path))

        ds = _draws(files, seed, training).skip(skip)
        ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    else:
        from tf_p2c.data.tfrecords import parse_face_example

        files_ds = tf.data.Dataset.from_tensor_slices(files)
        if training:
            files_ds = files_ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        records = files_ds.interleave(tf.data.TFRecordDataset, cycle_length=min(4, len(files)),
                                      num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        if training:
            records = records.shuffle(_TFRECORD_SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True).repeat()

        def parse(index, record):
            return index, parse_face_example(record)["image"]

        ds = records.enumerate().skip(skip)
        ds = ds.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    # A truncated image or corrupt record is dropped (and logged by tf.data), never ends training.
    ds = ds.ignore_errors(log_warning=True)

    def transform(index, image):
        return augment(image, tf.stack([tf.constant(seed, tf.int64), index]), img_size, training)

    ds = ds.map(transform, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return drop_flat_images(ds) if training else ds


def drop_flat_images(ds: tf.data.Dataset) -> tf.data.Dataset:
    """Drops images with less than one grey level of detail (standard deviation), failing after
    `MAX_CONSECUTIVE_FLAT` of them in a row.

    A flat image (a blank background crop, a black frame) makes every instance / layer norm of
    the generators see zero variance, where each multiplies the gradient by 1 / sqrt(eps) (316):
    through the ~40 normalisations of a generator the gradient overflows Adam's second moment
    within a step and training turns to NaN. It carries no style either. A source made only of
    flat images would make a filter spin forever on the repeated stream; the count of flat images
    in a row turns that into an error naming the cause.
    """

    def count(consecutive, image):
        flat = tf.math.reduce_std(image) < FLAT_STD
        consecutive = tf.where(flat, consecutive + 1, tf.constant(0, tf.int64))
        check = tf.debugging.assert_less(
            consecutive, tf.constant(MAX_CONSECUTIVE_FLAT, tf.int64),
            message=f"{MAX_CONSECUTIVE_FLAT} training crops in a row are flat (a single colour): "
                    "a training folder holds no usable images")
        with tf.control_dependencies([check]):
            return consecutive, (tf.identity(image), flat)

    def has_detail(image, flat):
        return tf.logical_not(flat)

    def image_only(image, flat):
        return image

    return ds.scan(tf.constant(0, tf.int64), count).filter(has_detail).map(image_only)


def make_unpaired_dataset(
    a_source: Source,
    b_source: Source,
    img_size: int = 256,
    batch_size: int = 1,
    seed: Optional[int] = None,
    training: bool = True,
    skip_steps: int = 0,
    skip_log: Optional[SkipLog] = None,
) -> tf.data.Dataset:
    """Batches of unpaired (real_a, real_b) for U-GAT-IT training or evaluation.

    Args:
        a_source: photos (trainA), see `resolve_source`.
        b_source: cartoons (trainB).
        img_size: output side.
        batch_size: images per domain per batch.
        seed: same seed -> same batches; None draws one.
        training: endless, shuffled and augmented (flip, resize to img+30, random crop); else
            one ordered pass of each domain, resized only, ending with the shorter domain.
        skip_steps: batches to skip, to resume training at step `skip_steps` with the same data
            an uninterrupted run would see (training only).
        skip_log: collects unreadable images of both domains.

    Returns:
        Dataset of (real_a, real_b), each (batch, img_size, img_size, 3) float32 in [-1, 1].

    Example:
        >>> ds = make_unpaired_dataset("dataset/photo2cartoon/trainA", "dataset/photo2cartoon/trainB", seed=0)
        >>> real_a, real_b = next(iter(ds))
    """
    if img_size < 1 or batch_size < 1 or skip_steps < 0:
        raise ValueError(f"img_size and batch_size must be >= 1 and skip_steps >= 0. Received: "
                         f"img_size={img_size}, batch_size={batch_size}, skip_steps={skip_steps}")
    if skip_steps and not training:
        raise ValueError("skip_steps applies to training datasets only")
    seed = random.SystemRandom().randrange(2**30) if seed is None else int(seed)
    skip_log = skip_log if skip_log is not None else SkipLog()
    skip = skip_steps * batch_size
    # Distinct seeds per domain so A and B shuffle and augment independently.
    a = make_image_dataset(a_source, img_size, 2 * seed, training, skip, skip_log)
    b = make_image_dataset(b_source, img_size, 2 * seed + 1, training, skip, skip_log)
    ds = tf.data.Dataset.zip((a, b)).batch(batch_size, drop_remainder=training)
    return ds.prefetch(tf.data.AUTOTUNE)
