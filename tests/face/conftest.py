"""Shared fixtures: the bundled sample, the generated fixtures, one preprocessor per backend."""

import os

import numpy as np
import pytest
from PIL import Image
from paths import FIXTURES as TEST_FIXTURES
from paths import SAMPLE

FIXTURES = os.path.join(TEST_FIXTURES, "faces")


def load_rgb(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.fixture(scope="session")
def sample() -> np.ndarray:
    return load_rgb(SAMPLE)


@pytest.fixture(scope="session")
def fixture_image():
    return lambda name: load_rgb(os.path.join(FIXTURES, name))


@pytest.fixture(scope="session")
def mp_pre():
    from tf_p2c.face.preprocessor import FacePreprocessor

    return FacePreprocessor(backend="mediapipe", segmenter="selfie")


@pytest.fixture(scope="session")
def dlib_pre():
    from tf_p2c.face.preprocessor import FacePreprocessor

    return FacePreprocessor(backend="dlib", segmenter="none")
