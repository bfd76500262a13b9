"""The preprocessor eagerly, from several threads, and inside a parallel tf.data map."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tf_p2c.face.per_thread import PerThreadPreprocessor


def test_one_instance_per_thread_same_results(sample, fixture_image):
    pre = PerThreadPreprocessor(segmenter="none")
    images = [sample, fixture_image("mirrored.jpg"), fixture_image("rotated_25.jpg")] * 4
    eager = [pre.process(im)[0].raw for im in images]
    seen = {}

    def run(im):
        seen[threading.get_ident()] = id(pre.get())
        return pre.process(im)[0].raw

    with ThreadPoolExecutor(3) as pool:
        threaded = list(pool.map(run, images))
    for a, b in zip(eager, threaded, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(set(seen.values())) == len(seen) >= 2  # distinct instances per thread


def test_inside_parallel_tf_data_map(sample, fixture_image):
    import tensorflow as tf

    pre = PerThreadPreprocessor(segmenter="none", out_size=128)

    def crop(img: np.ndarray) -> np.ndarray:
        faces = pre.process(img)
        return faces[0].raw if faces else np.full((128, 128, 3), 255, np.uint8)

    images = [sample, fixture_image("mirrored.jpg"), fixture_image("blank.png")] * 2
    eager = [crop(im) for im in images]
    ds = tf.data.Dataset.from_generator(
        lambda: iter(images), output_signature=tf.TensorSpec((None, None, 3), tf.uint8))
    ds = ds.map(lambda x: tf.ensure_shape(tf.numpy_function(crop, [x], tf.uint8), (128, 128, 3)),
                num_parallel_calls=3, deterministic=True)
    out = [x.numpy() for x in ds]
    assert len(out) == len(eager)
    for a, b in zip(eager, out, strict=True):
        np.testing.assert_array_equal(a, b)
    assert (out[2] == 255).all()  # blank: no face, white placeholder
