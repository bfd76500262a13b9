"""`tf_p2c.data.tfrecords`: the face Example schema round-trips; shards appear only when whole."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf

from tf_p2c.data.tfrecords import AtomicShardWriter, face_example, parse_face_example, shard_name


def test_example_roundtrip():
    image = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    mask = np.full((16, 16, 1), 200, np.uint8)
    landmarks = np.arange(136, dtype=np.float32).reshape(68, 2)
    matrix = np.array([[1, 0, -5], [0, 1, -7]], np.float32)
    data = face_example(tf.io.encode_png(image).numpy(), 16, tf.io.encode_png(mask).numpy(), landmarks, matrix,
                        np.array([1, 2, 3, 4]), 0.75, 1, 3, "dir/ph\u00f6to.jpg")
    ex = parse_face_example(tf.constant(data))
    np.testing.assert_array_equal(ex["image"].numpy(), image)
    np.testing.assert_array_equal(tf.io.decode_png(ex["mask/encoded"]).numpy(), mask)
    np.testing.assert_array_equal(ex["face/landmarks"].numpy(), landmarks.ravel())
    np.testing.assert_array_equal(ex["face/matrix"].numpy(), matrix.ravel())
    np.testing.assert_array_equal(ex["face/box"].numpy(), [1, 2, 3, 4])
    assert float(ex["face/score"]) == 0.75 and int(ex["face/index"]) == 1 and int(ex["face/count"]) == 3
    assert ex["source/path"].numpy().decode() == "dir/ph\u00f6to.jpg"
    assert ex["image/format"].numpy() == b"png" and int(ex["image/width"]) == 16


def test_shard_is_invisible_until_committed(tmp_path):
    path = tmp_path / shard_name("run1", 0, 2)
    assert path.name == "part-run1-00000-of-00002.tfrecord"
    writer = AtomicShardWriter(str(path))
    writer.write(b"record")
    assert not path.exists()  # only a hidden temp file so far
    writer.commit()
    assert [r.numpy() for r in tf.data.TFRecordDataset(str(path))] == [b"record"]
    assert os.listdir(tmp_path) == [path.name]


def test_failed_shard_leaves_nothing(tmp_path):
    path = tmp_path / "s.tfrecord"
    with pytest.raises(RuntimeError):
        with AtomicShardWriter(str(path)) as w:
            w.write(b"x")
            raise RuntimeError("crash mid-shard")
    assert os.listdir(tmp_path) == []
