"""FacePreprocessor end to end: FaceCrop contract, several faces, no face, borders, big photos."""

import time

import cv2
import numpy as np
import pytest

from tf_p2c.face import geometry
from tf_p2c.face.preprocessor import FaceCrop, FacePreprocessor, NoFaceError

SECOND_FACE_SCALE = 0.7  # tests/fixtures/faces/two_faces.jpg: right-hand copy at 0.7x


def test_face_crop_contract(sample, mp_pre):
    crops = mp_pre.process(sample)
    assert len(crops) == 1
    c = crops[0]
    assert isinstance(c, FaceCrop)
    assert c.image.shape == c.raw.shape == (256, 256, 3)
    assert c.image.dtype == c.raw.dtype == np.uint8
    assert c.mask.shape == (256, 256) and c.mask.dtype == np.float32
    assert 0.0 <= c.mask.min() and c.mask.max() <= 1.0
    assert c.landmarks.shape == (68, 2) and c.landmarks.dtype == np.float32
    assert c.matrix.shape == (2, 3) and c.matrix.dtype == np.float64
    assert len(c.box) == 4 and all(isinstance(v, float) for v in c.box)
    assert c.box[2] - c.box[0] == pytest.approx(c.box[3] - c.box[1])
    assert 0.5 < c.score <= 1.0
    assert c.area == pytest.approx(geometry.landmark_box_area(c.landmarks))
    # Landmarks are in original pixels (the face of the 512 px sample is near x 180-270).
    assert 150 < c.landmarks[:, 0].mean() < 300
    # The matrix puts the landmark box where the crop rule says: level eyes, top margin 0.8 h.
    pts = geometry.apply_affine(c.matrix, c.landmarks)
    assert abs(pts[36, 1] - pts[45, 1]) < 1e-3
    h = pts[:, 1].max() - pts[:, 1].min()
    assert pts[:, 1].min() + 0.5 == pytest.approx(0.8 * h, rel=1e-4)
    assert mp_pre.detect(sample)[0] == pytest.approx(c.landmarks)


def test_raw_crop_matches_rotate_crop_resize_of_the_original(sample, mp_pre):
    """Our single warp equals the original's rotate-whole-image -> crop -> INTER_AREA resize."""
    big = cv2.resize(sample, (1536, 1536), interpolation=cv2.INTER_CUBIC)  # crop side > 256
    c = mp_pre.process(big)[0]
    rotation, size = geometry.rotation_to_level(geometry.eye_angle(c.landmarks), 1536, 1536)
    canvas = cv2.warpAffine(big, rotation, size, flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    left, top, right, bottom = (int(round(v + 0.5)) for v in c.box)  # centre coords -> edges
    pad = 600
    padded = cv2.copyMakeBorder(canvas, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    ref = cv2.resize(padded[top + pad:bottom + pad, left + pad:right + pad], (256, 256),
                     interpolation=cv2.INTER_AREA)
    diff = np.abs(ref.astype(np.int16) - c.raw.astype(np.int16))
    assert diff.mean() < 2.0, diff.mean()  # measured 0.95


def test_two_faces_sorted_by_area(fixture_image, mp_pre, dlib_pre):
    img = fixture_image("two_faces.jpg")
    for pre in (mp_pre, dlib_pre):
        everyone = pre.process(img, all_faces=True)
        assert len(everyone) == 2
        assert everyone[0].area > everyone[1].area
        assert everyone[1].area / everyone[0].area == pytest.approx(SECOND_FACE_SCALE**2, rel=0.15)
        assert everyone[0].landmarks[:, 0].max() < 512  # the big face is the left copy
        assert everyone[1].landmarks[:, 0].min() > 512
        largest = pre.process(img)
        assert len(largest) == 1
        np.testing.assert_allclose(largest[0].landmarks, everyone[0].landmarks)
        lm = pre.detect(img)
        assert len(lm) == 2 and geometry.landmark_box_area(lm[0]) > geometry.landmark_box_area(lm[1])


def test_no_face_returns_empty(fixture_image, mp_pre, dlib_pre):
    blank = fixture_image("blank.png")
    noise = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    for pre in (mp_pre, dlib_pre):
        assert pre.process(blank) == [] and pre.process(blank, all_faces=True) == []
        assert pre.detect(noise) == []
    assert issubclass(NoFaceError, ValueError)


def test_face_at_border_is_filled_white(fixture_image, mp_pre):
    img = fixture_image("border_cut.jpg")
    c = mp_pre.process(img)[0]
    # The crop square starts above and left of the photo: those pixels are white in raw.
    assert c.box[0] < 0 or c.box[1] < 0
    inv = geometry.invert_affine(c.matrix)
    ys, xs = np.mgrid[0:256:8, 0:256:8]
    src = geometry.apply_affine(inv, np.stack([xs.ravel(), ys.ravel()], 1))
    outside = (src[:, 0] < -1) | (src[:, 1] < -1)
    assert outside.sum() > 10
    sampled = c.raw[ys.ravel(), xs.ravel()]
    assert (sampled[outside] == 255).all()
    assert (c.image[ys.ravel(), xs.ravel()][outside] >= 254).all()


def test_large_photo_detects_on_downscaled_copy(sample, mp_pre):
    big = cv2.resize(sample, (3072, 3072), interpolation=cv2.INTER_LINEAR)
    start = time.perf_counter()
    c = mp_pre.process(big)[0]
    elapsed = time.perf_counter() - start
    ref = mp_pre.process(sample)[0]
    # Same face, six times the coordinates (pixel centres), same picture in the crop.
    np.testing.assert_allclose(c.landmarks, (ref.landmarks + 0.5) * 6 - 0.5, atol=6.0)
    assert np.abs(c.raw.astype(np.int16) - ref.raw).mean() < 3.0  # measured 1.4
    assert elapsed < 1.0, elapsed  # measured 0.08 s for 9.4 MP


def test_out_size_and_argument_validation(sample):
    small = FacePreprocessor(segmenter="none", out_size=128).process(sample)[0]
    assert small.image.shape == (128, 128, 3) and (small.mask == 1).all()
    assert (small.image == small.raw).all()
    with pytest.raises(ValueError, match="backend"):
        FacePreprocessor(backend="opencv")
    with pytest.raises(ValueError, match="segmenter"):
        FacePreprocessor(segmenter="u2net")
    with pytest.raises(ValueError, match="seg_model_path"):
        FacePreprocessor(segmenter="original")
    pre = FacePreprocessor(segmenter="none")
    with pytest.raises(ValueError, match="uint8"):
        pre.process(sample.astype(np.float32))
    with pytest.raises(ValueError, match="H, W, 3"):
        pre.process(sample[:, :, 0])
    with pytest.raises(ValueError, match="empty"):
        pre.process(sample[:0])
    assert pre.process(np.full((1, 1, 3), 128, np.uint8)) == []  # degenerate but valid
