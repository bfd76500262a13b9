"""Segmenters: mask sanity on the real sample, the original-.pb loader, the default's fallback."""

import os

import numpy as np
import pytest

from tf_p2c.face import geometry
from tf_p2c.face.segmentation import (
    GrabCutSegmenter,
    NoSegmenter,
    OriginalSegmenter,
    SelfieSegmenter,
    face_oval,
    make_segmenter,
)


def assert_portrait_mask(mask: np.ndarray, centre_min: float, corner_max: float) -> None:
    s = mask.shape[0]
    c = s // 2
    # Face centre (the crop puts it just below the middle) is foreground...
    assert mask[c - 16:c + 24, c - 16:c + 16].mean() > centre_min
    # ...and the two top corners, beside the hair, are background.
    assert mask[:s // 10, :s // 10].mean() < corner_max
    assert mask[:s // 10, -s // 10:].mean() < corner_max


def test_selfie_mask_on_sample(sample, mp_pre):
    assert isinstance(mp_pre.segmenter, SelfieSegmenter)
    c = mp_pre.process(sample)[0]
    assert_portrait_mask(c.mask, centre_min=0.97, corner_max=0.03)
    # Hair is kept: the mask covers the top of the head above the brows.
    pts = geometry.apply_affine(c.matrix, c.landmarks)
    brow_top = int(pts[17:27, 1].min())
    cx = int(pts[:, 0].mean())
    assert c.mask[brow_top - 25:brow_top - 5, cx - 10:cx + 10].mean() > 0.9
    # Composite: background white, face untouched.
    corner = c.image[:20, :20].astype(int)
    assert corner.min() >= 245
    centre = slice(118, 138)
    assert np.abs(c.image[centre, centre].astype(int) - c.raw[centre, centre]).max() <= 3


@pytest.mark.parametrize("use_mesh", [True, False])
def test_grabcut_mask_on_sample(use_mesh, sample, mp_pre):
    c = mp_pre.process(sample)[0]
    face = mp_pre.backend.detect(sample)[0]
    pts = geometry.apply_affine(c.matrix, face.mesh if use_mesh else face.points)
    mask = GrabCutSegmenter()(c.raw, pts)
    assert mask.shape == (256, 256) and mask.dtype == np.float32
    assert_portrait_mask(mask, centre_min=0.95, corner_max=0.1)
    # It agrees broadly with the selfie model inside the head region.
    selfie = c.mask > 0.5
    inter = np.logical_and(mask > 0.5, selfie).sum()
    assert inter / (mask > 0.5).sum() > 0.85  # what it keeps is mostly portrait


def test_face_oval_shapes():
    assert face_oval(np.zeros((468, 2))).shape == (36, 2)
    pts68 = np.zeros((68, 2))
    pts68[8] = (0, 100)
    oval = face_oval(pts68)
    assert oval.shape == (27, 2) and oval[17:, 1].max() < 0  # brows raised above the brow line
    with pytest.raises(ValueError):
        face_oval(np.zeros((5, 2)))


def test_no_segmenter():
    crop = np.zeros((64, 64, 3), np.uint8)
    assert (NoSegmenter()(crop) == 1).all()


def write_tiny_frozen_graph(path: str) -> None:
    """A TF1-style frozen graph with the original's tensor names.

    ``sigmoid/Sigmoid = sigmoid(40 * (red - 0.5))`` on a fixed (1, 384, 384, 3) input, so a
    loader that skips the /255 scaling or the 384 resize fails the test.
    """
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, (1, 384, 384, 3), name="input_1")
        w = tf.constant(np.array([40.0, 0.0, 0.0], np.float32).reshape(1, 1, 3, 1))
        logits = tf.nn.conv2d(x, w, strides=1, padding="SAME") - 20.0
        with tf.name_scope("sigmoid"):
            tf.math.sigmoid(logits, name="Sigmoid")
    with open(path, "wb") as f:
        f.write(graph.as_graph_def().SerializeToString())


def test_original_segmenter_loads_frozen_graph(tmp_path):
    path = str(tmp_path / "seg_model_384.pb")
    write_tiny_frozen_graph(path)
    seg = OriginalSegmenter(path)
    crop = np.zeros((256, 256, 3), np.uint8)
    crop[:, :128, 0] = 255  # red left half -> 1
    crop[:, 128:, 0] = 100  # dim right half -> sigmoid(40 * (0.39 - 0.5)) ~ 0.01
    mask = seg(crop)
    assert mask.shape == (256, 256) and mask.dtype == np.float32
    assert mask[:, :120].min() > 0.99
    assert mask[:, 136:].max() < 0.02
    # Through the preprocessor, by name and path.
    from tf_p2c.face.preprocessor import FacePreprocessor

    pre = FacePreprocessor(segmenter="original", seg_model_path=path)
    assert isinstance(pre.segmenter, OriginalSegmenter)
    with pytest.raises(FileNotFoundError):
        OriginalSegmenter(str(tmp_path / "missing.pb"))


def test_default_falls_back_to_grabcut_when_selfie_model_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_P2C_SELFIE_MODEL", str(tmp_path / "absent.tflite"))
    with pytest.warns(UserWarning, match="install_models"):
        seg = make_segmenter("default")
    assert isinstance(seg, GrabCutSegmenter)
    with pytest.raises(FileNotFoundError, match="install_models"):
        make_segmenter("selfie")


def test_default_is_selfie_when_installed():
    from tf_p2c.face.segmentation import default_selfie_path

    assert os.path.isfile(default_selfie_path()), (
        "run `python -m tf_p2c.face.install_models` (the Makefile's set-up does)"
    )
    assert isinstance(make_segmenter("default"), SelfieSegmenter)
    with pytest.raises(ValueError, match="segmenter"):
        make_segmenter("bogus")


def test_every_listed_segmenter_is_built(tmp_path):
    from tf_p2c.face import SEGMENTERS

    graph = str(tmp_path / "seg_model_384.pb")
    write_tiny_frozen_graph(graph)
    for kind in SEGMENTERS:
        make_segmenter(kind, seg_model_path=graph if kind == "original" else None)


def test_command_lines_offer_the_factories_lists():
    import argparse

    from tf_p2c.cartoonize import cli as cartoonize_cli
    from tf_p2c.preprocess import cli as data_cli
    from tf_p2c.face import LANDMARK_BACKENDS, SEGMENTERS
    from tf_p2c.runtimes import BACKENDS as RUNTIMES
    from tf_p2c.serve import cli as serve_cli

    def choices(register, command, flag):
        sub = argparse.ArgumentParser().add_subparsers()
        register(sub)
        parser = sub.choices[command]
        return tuple(next(a for a in parser._actions if flag in a.option_strings).choices)

    assert choices(data_cli.register, "preprocess", "--segmenter") == SEGMENTERS
    assert choices(data_cli.register, "preprocess", "--backend") == LANDMARK_BACKENDS
    assert choices(cartoonize_cli.register, "cartoonize", "--segmenter") == SEGMENTERS
    assert choices(cartoonize_cli.register, "cartoonize", "--landmarks") == LANDMARK_BACKENDS
    assert choices(cartoonize_cli.register, "cartoonize", "--backend") == RUNTIMES
    assert set(choices(serve_cli.register, "serve", "--segmenter")) == set(SEGMENTERS) - {"original"}
    assert choices(serve_cli.register, "serve", "--landmarks") == LANDMARK_BACKENDS
    assert choices(serve_cli.register, "serve", "--backend") == RUNTIMES
