"""The parity metrics and the default calibration crops."""

from __future__ import annotations

import math

import numpy as np

from tf_p2c import scaling
from tf_p2c.export import parity
from tf_p2c.export.calibration import sample_face_crops


def test_metrics_on_known_arrays():
    a = np.zeros((1, 4, 4, 3), np.float32)
    b = a.copy()
    assert parity.psnr_db(a, b) == math.inf
    b[0, 0, 0, 0] = 0.5
    assert parity.max_abs_diff(a, b) == 0.5
    assert math.isclose(parity.mean_abs_diff(a, b), 0.5 / 48)
    # PSNR on [-1, 1] with peak-to-peak 2 equals PSNR on [0, 255] with peak 255.
    mse255 = np.mean(((a - b) * 127.5) ** 2)
    assert math.isclose(parity.psnr_db(a, b), 10 * math.log10(255 ** 2 / mse255), rel_tol=1e-9)


def test_uint8_round_trip():
    levels = np.arange(256, dtype=np.uint8)
    assert np.array_equal(scaling.to_uint8(scaling.from_uint8(levels)), levels)


def test_sample_face_crops_are_real_preprocessed_faces():
    crops, source = sample_face_crops(64, count=3)
    assert crops.shape == (3, 64, 64, 3) and crops.dtype == np.float32
    assert crops.min() >= -1.0 and crops.max() <= 1.0
    assert "FacePreprocessor" in source
    # Composited on white: the crop corners are white.
    assert np.all(crops[:, 0, 0] > 0.95)
