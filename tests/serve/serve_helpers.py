"""Paths and image helpers of the web page's tests."""

from __future__ import annotations

import io
import os

import numpy as np
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(REPO, "samples", "astronaut.png")
TWO_FACES = os.path.join(REPO, "tests", "fixtures", "faces", "two_faces.jpg")
# 64 px generator exported like the released .onnx (tests/fixtures/README.md): fast, no TensorFlow.
TINY_ONNX = os.path.join(REPO, "tests", "fixtures", "gen_tiny.onnx")
ARTIFACTS = os.path.join(REPO, "test_artifacts")


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def read_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))
