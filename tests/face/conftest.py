"""Shared fixtures: the bundled sample, the generated fixtures, one preprocessor per backend."""

import os

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "faces")


def load_rgb(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.fixture(scope="session")
def sample() -> np.ndarray:
    return load_rgb(os.path.join(ROOT, "samples", "astronaut.png"))


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
