"""TFRecord format of preprocessed faces, and an atomic shard writer.

One `tf.train.Example` per face crop:

=================  ==============  ==========================================================
key                type            value
=================  ==============  ==========================================================
image/encoded      bytes           PNG, (S, S, 3) uint8 RGB: the aligned crop composited on white
image/format       bytes           b"png"
image/height       int64           S
image/width        int64           S
mask/encoded       bytes           PNG, (S, S) uint8: the head mask x 255 (empty if none)
face/landmarks     float (136)     68 iBUG points (x0, y0, x1, y1, ...) in crop pixels
face/matrix        float (6)       row-major (2, 3) affine: source photo pixels -> crop pixels
face/box           float (any)     face box as the face preprocessor reports it
face/score         float           detector confidence
face/index         int64           rank of the face in its photo (0 = largest)
face/count         int64           faces found in the photo
source/path        bytes           input path relative to the job's --data_path, UTF-8
=================  ==============  ==========================================================

Shards are named ``part-<run>-<k>-of-<n>.tfrecord`` and are written to a hidden temporary file
renamed into place when complete, so a ``*.tfrecord`` file is always whole.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import tensorflow as tf

from tf_p2c.atomic_write import AtomicFile

SHARD_SUFFIX = ".tfrecord"

FEATURES = {
    "image/encoded": tf.io.FixedLenFeature([], tf.string),
    "image/format": tf.io.FixedLenFeature([], tf.string, default_value=b"png"),
    "image/height": tf.io.FixedLenFeature([], tf.int64),
    "image/width": tf.io.FixedLenFeature([], tf.int64),
    "mask/encoded": tf.io.FixedLenFeature([], tf.string, default_value=b""),
    "face/landmarks": tf.io.FixedLenFeature([136], tf.float32),
    "face/matrix": tf.io.FixedLenFeature([6], tf.float32),
    "face/box": tf.io.VarLenFeature(tf.float32),
    "face/score": tf.io.FixedLenFeature([], tf.float32),
    "face/index": tf.io.FixedLenFeature([], tf.int64),
    "face/count": tf.io.FixedLenFeature([], tf.int64),
    "source/path": tf.io.FixedLenFeature([], tf.string),
}


def _bytes(values: Sequence[bytes]) -> tf.train.Feature:
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(values)))


def _floats(values: np.ndarray) -> tf.train.Feature:
    return tf.train.Feature(float_list=tf.train.FloatList(value=np.asarray(values, np.float32).ravel().tolist()))


def _ints(values: Sequence[int]) -> tf.train.Feature:
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(v) for v in values]))


def face_example(
    image_png: bytes,
    size: int,
    mask_png: bytes,
    landmarks: np.ndarray,
    matrix: np.ndarray,
    box: np.ndarray,
    score: float,
    index: int,
    count: int,
    source: str,
) -> bytes:
    """Serialises one face crop as a `tf.train.Example` (schema in the module docstring).

    Args:
        image_png: PNG bytes of the (size, size, 3) composited crop.
        size: crop side in pixels.
        mask_png: PNG bytes of the (size, size) mask, or b"".
        landmarks: (68, 2) points in crop pixels.
        matrix: (2, 3) affine from the photo to the crop.
        box: face box, any length.
        score: detector confidence.
        index: rank of the face in the photo.
        count: faces in the photo.
        source: input path relative to the data folder.

    Returns:
        The serialised Example.
    """
    feature = {
        "image/encoded": _bytes([image_png]),
        "image/format": _bytes([b"png"]),
        "image/height": _ints([size]),
        "image/width": _ints([size]),
        "mask/encoded": _bytes([mask_png]),
        "face/landmarks": _floats(np.asarray(landmarks).reshape(136)),
        "face/matrix": _floats(np.asarray(matrix).reshape(6)),
        "face/box": _floats(np.asarray(box, np.float32).ravel()),
        "face/score": _floats(np.array([score])),
        "face/index": _ints([index]),
        "face/count": _ints([count]),
        "source/path": _bytes([source.encode("utf-8")]),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def parse_face_example(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
    """Parses one serialised face Example (graph-safe; use inside `tf.data.Dataset.map`).

    Returns:
        Dict of the schema's tensors plus "image": (S, S, 3) uint8 decoded from image/encoded.
    """
    parsed = tf.io.parse_single_example(serialized, FEATURES)
    parsed["face/box"] = tf.sparse.to_dense(parsed["face/box"])
    parsed["image"] = tf.io.decode_png(parsed["image/encoded"], channels=3)
    return parsed


def shard_name(run_id: str, index: int, count: int) -> str:
    """File name of shard `index` of `count` written by run `run_id`."""
    return f"part-{run_id}-{index:05d}-of-{count:05d}{SHARD_SUFFIX}"


class AtomicShardWriter:
    """A `tf.io.TFRecordWriter` on a hidden temp file, renamed to `path` by `commit()`.

    `abort()` (or leaving a `with` block on an exception) removes the temp file: a shard exists
    under its final name only once complete.

    Args:
        path: final shard path.
    """

    def __init__(self, path: str):
        self.path = path
        self._target = AtomicFile(path)
        self._tmp = self._target.tmp
        self._writer: Optional[tf.io.TFRecordWriter] = tf.io.TFRecordWriter(self._tmp)
        self.count = 0

    def write(self, serialized: bytes) -> None:
        assert self._writer is not None, "shard already closed"
        self._writer.write(serialized)
        self.count += 1

    def commit(self) -> None:
        """Flushes, fsyncs and renames the temp file to the final path."""
        assert self._writer is not None, "shard already closed"
        self._writer.close()
        self._writer = None
        self._target.commit()

    def abort(self) -> None:
        """Drops the shard."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._target.abort()

    def __enter__(self) -> "AtomicShardWriter":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None or self._writer is not None and self.count == 0:
            self.abort()
        elif self._writer is not None:
            self.commit()
