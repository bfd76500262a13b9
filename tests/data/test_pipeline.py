"""`tf_p2c.data.pipeline`: the unpaired training input and its pure augmentation ops."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tf_p2c.data import pipeline
from tf_p2c.data.pipeline import SkipLog, make_unpaired_dataset
from tf_p2c.data.tfrecords import AtomicShardWriter, face_example

IMG = 32


def _image(seed: int, size=(48, 40)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size + (3,), dtype=np.uint8)


@pytest.fixture
def folders(tmp_path):
    a, b = tmp_path / "trainA", tmp_path / "trainB"
    for i in range(5):
        (a / ("sub" if i == 4 else "")).mkdir(parents=True, exist_ok=True)
        Image.fromarray(_image(i)).save(a / ("sub" if i == 4 else "") / f"a{i}.png")
    b.mkdir()
    for i in range(3):
        Image.fromarray(_image(100 + i, (60, 50))).save(b / f"b{i}.jpg", quality=95)
    return a, b


def _take(ds, n):
    return [tuple(x.numpy() for x in batch) for batch in ds.take(n)]


# ----------------------------------------------------------------------------- pure ops


@pytest.mark.parametrize("op", ["flip", "crop", "normalize", "augment", "test"])
def test_ops_eager_equals_in_map(op):
    images = tf.constant(np.stack([_image(i, (40, 40)) for i in range(6)]))
    seeds = tf.constant([[7, i] for i in range(6)], tf.int64)
    fns = {
        "flip": lambda x, s: pipeline.random_flip(x, s),
        "crop": lambda x, s: pipeline.resize_and_random_crop(x, IMG, s),
        "normalize": lambda x, s: pipeline.normalize(x),
        "augment": lambda x, s: pipeline.augment(x, s, IMG, training=True),
        "test": lambda x, s: pipeline.augment(x, s, IMG, training=False),
    }
    fn = fns[op]
    eager = [fn(images[i], seeds[i]).numpy() for i in range(6)]
    mapped = list(tf.data.Dataset.from_tensor_slices((images, seeds)).map(fn).as_numpy_iterator())
    for e, m in zip(eager, mapped):
        np.testing.assert_array_equal(e, m)
    if op in ("flip", "crop", "augment"):  # the seed matters: not all six results are alike
        assert len({e.tobytes() for e in eager}) > 1


def test_flip_both_ways_and_exact():
    x = tf.constant(_image(0, (8, 8)))
    outs = {pipeline.random_flip(x, tf.constant([1, i])).numpy().tobytes() for i in range(20)}
    assert outs == {x.numpy().tobytes(), x.numpy()[:, ::-1].tobytes()}


def test_resize_and_random_crop_matches_resize_then_window():
    x = tf.constant(_image(3, (50, 70)))
    seed = tf.constant([4, 2])
    out = pipeline.resize_and_random_crop(x, IMG, seed).numpy()
    full = pipeline.resize(x, IMG + 30).numpy()
    assert out.shape == (IMG, IMG, 3)
    hits = [(i, j) for i in range(31) for j in range(31) if np.array_equal(full[i:i + IMG, j:j + IMG], out)]
    assert len(hits) == 1  # a genuine window of the (img + 30)² resize


def test_normalize_range():
    x = tf.constant([[[0, 127.5, 255]]], tf.float32)
    np.testing.assert_allclose(pipeline.normalize(x).numpy(), [[[-1, 0, 1]]])


# ----------------------------------------------------------------------------- datasets


def test_shapes_and_range(folders):
    a, b = folders
    ds = make_unpaired_dataset(a, b, img_size=IMG, batch_size=2, seed=1)
    assert ds.element_spec[0].shape.as_list() == [2, IMG, IMG, 3]
    for real_a, real_b in _take(ds, 4):
        for x in (real_a, real_b):
            assert x.shape == (2, IMG, IMG, 3) and x.dtype == np.float32
            assert x.min() >= -1.0 and x.max() <= 1.0 and x.std() > 0.1


def test_same_seed_same_batches_other_seed_differs(folders):
    a, b = folders
    first = _take(make_unpaired_dataset(a, b, img_size=IMG, seed=5), 12)
    again = _take(make_unpaired_dataset(a, b, img_size=IMG, seed=5), 12)
    other = _take(make_unpaired_dataset(a, b, img_size=IMG, seed=6), 12)
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x[0], y[0])
        np.testing.assert_array_equal(x[1], y[1])
    assert any(not np.array_equal(x[0], y[0]) for x, y in zip(first, other))


def test_skip_steps_resumes_the_same_stream(folders):
    a, b = folders
    (a / "not_a_photo.jpg").write_text("rejected by the pre-scan: must not shift the resumed stream")
    full = _take(make_unpaired_dataset(a, b, img_size=IMG, batch_size=2, seed=9), 9)
    resumed = _take(make_unpaired_dataset(a, b, img_size=IMG, batch_size=2, seed=9, skip_steps=6), 3)
    for x, y in zip(full[6:], resumed):
        np.testing.assert_array_equal(x[0], y[0])
        np.testing.assert_array_equal(x[1], y[1])


def test_iterator_checkpoint_restores_position(folders, tmp_path):
    a, b = folders
    it = iter(make_unpaired_dataset(a, b, img_size=IMG, seed=4))
    for _ in range(3):
        next(it)
    path = tf.train.Checkpoint(data=it).save(str(tmp_path / "ckpt" / "data"))
    expected = [next(it) for _ in range(3)]
    restored = iter(make_unpaired_dataset(a, b, img_size=IMG, seed=4))
    tf.train.Checkpoint(data=restored).restore(path)
    for x, y in zip(expected, [next(restored) for _ in range(3)]):
        np.testing.assert_array_equal(x[0].numpy(), y[0].numpy())
        np.testing.assert_array_equal(x[1].numpy(), y[1].numpy())


def test_epochs_cover_every_image(folders):
    a, b = folders
    ds = pipeline.make_image_dataset(a, IMG, seed=3, training=False)
    assert len(list(ds)) == 5  # the sub-folder image too
    test_batches = _take(make_unpaired_dataset(a, b, img_size=IMG, batch_size=2, training=False), 10)
    assert [x[0].shape[0] for x in test_batches] == [2, 1]  # ends with the shorter domain (3 cartoons)


def test_tfrecord_source(tmp_path, folders):
    _, b = folders
    shard = tmp_path / "faces" / "part-x-00000-of-00001.tfrecord"
    shard.parent.mkdir()
    png = tf.io.encode_png(_image(7, (64, 64))).numpy()
    with AtomicShardWriter(str(shard)) as w:
        for i in range(3):
            w.write(face_example(png, 64, b"", np.zeros((68, 2)), np.eye(2, 3), np.zeros(4), 0.9, 0, 1, f"p{i}.png"))
    for source in (str(shard), str(tmp_path / "faces" / "*.tfrecord"), str(tmp_path / "faces")):
        ds = make_unpaired_dataset(source, b, img_size=IMG, batch_size=2, seed=0)
        real_a, _ = next(iter(ds))
        assert real_a.shape == (2, IMG, IMG, 3)
    plain = next(iter(make_unpaired_dataset(shard, b, img_size=64, seed=0, training=False)))[0][0].numpy()
    np.testing.assert_allclose(plain, _image(7, (64, 64)) / 127.5 - 1, atol=1e-5)  # same size: untouched


def test_missing_and_empty_sources_named(tmp_path, folders):
    a, _ = folders
    with pytest.raises(FileNotFoundError, match="nowhere"):
        make_unpaired_dataset(a, tmp_path / "nowhere", img_size=IMG)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty"):
        make_unpaired_dataset(tmp_path / "empty", a, img_size=IMG)
    with pytest.raises(FileNotFoundError, match=r"\*\.tfrecord"):
        make_unpaired_dataset(str(tmp_path / "*.tfrecord"), a, img_size=IMG)


def test_unreadable_images_skipped_and_counted(folders):
    a, b = folders
    (a / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (a / "empty.jpg").write_bytes(b"")
    (a / "text.jpg").write_text("not a photo")
    Image.fromarray(_image(9)).save(a / "scan.tif")  # a real image, but not a format tf.io decodes
    good = (a / "a0.png").read_bytes()
    (a / "truncated.png").write_bytes(good[: len(good) // 2])  # passes the header scan
    log = SkipLog()
    ds = make_unpaired_dataset(a, b, img_size=IMG, seed=2, skip_log=log)
    assert {p.rsplit("/", 1)[1] for p in log.skipped} == {"broken.png", "empty.jpg", "text.jpg", "scan.tif"}
    assert log.count == 4
    assert "empty" in log.skipped[str(a / "empty.jpg")] and "TIFF" in log.skipped[str(a / "scan.tif")]
    batches = _take(ds, 30)  # the truncated file is dropped at decode time, training goes on
    assert len(batches) == 30
    test_a = list(pipeline.make_image_dataset(a, IMG, training=False))
    assert len(test_a) == 5  # 5 good images; truncated.png dropped


def test_all_unreadable_is_an_error_not_a_hang(tmp_path, folders):
    _, b = folders
    bad = tmp_path / "bad"
    bad.mkdir()
    for i in range(2):
        (bad / f"x{i}.jpg").write_bytes(b"nope")
    with pytest.raises(ValueError, match="no readable image.*bad"):
        make_unpaired_dataset(bad, b, img_size=IMG, seed=0)


def test_decode_rgb_matches_read_image(tmp_path):
    """Graph decoding treats odd files as `image_io.read_image` does (alpha on white, gray, 16-bit)."""
    from tf_p2c.image_io import read_image

    rgb = _image(4, (70, 80))
    alpha = np.tile(np.linspace(0, 255, 80).astype(np.uint8), (70, 1))
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(tmp_path / "rgba.png")
    Image.fromarray(np.dstack([rgb[..., 0], alpha]), "LA").save(tmp_path / "la.png")
    Image.fromarray(rgb[..., 1]).save(tmp_path / "gray.png")
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=8).save(tmp_path / "p.png", transparency=0)
    import cv2

    cv2.imwrite(str(tmp_path / "deep.png"), rgb[..., ::-1].astype(np.uint16) * 257)
    for name in ("rgba.png", "la.png", "gray.png", "p.png", "deep.png"):
        got = pipeline.decode_rgb(tf.io.read_file(str(tmp_path / name))).numpy().astype(int)
        ref = read_image(tmp_path / name).astype(int)
        assert got.shape == ref.shape and np.abs(got - ref).max() <= 1, name


def _flat_folder(path, n=3):
    path.mkdir()
    for i in range(n):
        Image.fromarray(np.full((48, 48, 3), 40 * i, np.uint8)).save(path / f"flat{i}.png")
    return path


def test_training_drops_flat_crops_and_keeps_the_rest(tmp_path, folders):
    """A flat image zeroes every normalisation's variance and overflows the gradients."""
    a = _flat_folder(tmp_path / "mixed")
    Image.fromarray(_image(7)).save(a / "detail.png")
    images = [x.numpy() for x in pipeline.make_image_dataset(a, IMG, seed=0, training=True).take(12)]
    assert len(images) == 12 and min(float(x.std()) for x in images) >= pipeline.FLAT_STD
    # Evaluation is one plain pass: nothing dropped.
    assert len(list(pipeline.make_image_dataset(a, IMG, training=False))) == 4


def test_only_flat_images_is_an_error_not_a_hang(tmp_path, folders, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_CONSECUTIVE_FLAT", 7)
    flat = _flat_folder(tmp_path / "flat")
    with pytest.raises(tf.errors.InvalidArgumentError, match="7 training crops in a row are flat"):
        next(iter(make_unpaired_dataset(flat, folders[1], img_size=IMG, seed=0)))
