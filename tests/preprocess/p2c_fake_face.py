"""A model-free stand-in for `tf_p2c.face.preprocessor.FacePreprocessor` (job mechanics tests).

Faces are read off the photo's mean blue level, so a test picks the count by colour:
``faces = mean(blue) // 60`` (0-59: none, 60-119: one, 120-179: two, ...). A mean green of
exactly 13 makes `process` raise. Crop ``score`` is the process id, so tests can tell which
tf.data service worker produced a face. ``P2C_FAKE_SLEEP`` seconds are spent per photo.
"""

from __future__ import annotations

import dataclasses
import os
import time

import cv2
import numpy as np


@dataclasses.dataclass
class FakeCrop:
    image: np.ndarray
    raw: np.ndarray
    mask: np.ndarray
    landmarks: np.ndarray
    box: tuple
    matrix: np.ndarray
    score: float

    @property
    def area(self) -> float:
        return 1.0


class FakePreprocessor:
    instances = 0

    def __init__(self, backend="mediapipe", segmenter="default", seg_model_path=None, out_size=256):
        if backend == "broken":
            raise RuntimeError("backend 'broken' cannot load")
        self.out_size = out_size
        FakePreprocessor.instances += 1

    def process(self, image: np.ndarray, all_faces: bool = False) -> list:
        time.sleep(float(os.environ.get("P2C_FAKE_SLEEP", "0")))
        if round(float(image[..., 1].mean())) == 13:
            raise RuntimeError("boom in the landmark model")
        faces = int(image[..., 2].mean() // 60)
        if not all_faces:
            faces = min(faces, 1)
        s = self.out_size
        base = cv2.resize(image, (s, s), interpolation=cv2.INTER_AREA)
        crops = []
        for i in range(faces):
            tinted = base.copy()
            tinted[0, 0] = (i, i, i)  # tells the faces apart
            mask = np.full((s, s), 0.5, np.float32)
            crops.append(FakeCrop(tinted, base, mask, np.zeros((68, 2), np.float32) + i,
                                  (0.0, 0.0, float(s), float(s)), np.eye(2, 3), float(os.getpid())))
        return crops
