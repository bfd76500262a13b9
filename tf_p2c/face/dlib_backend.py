"""dlib HOG face detector + the 68-point shape predictor (the original's landmark scheme).

The predictor file ``shape_predictor_68_face_landmarks.dat`` ships in the
``face-recognition-models`` wheel. It was trained on iBUG 300-W, whose licence excludes
commercial use: see docs/preprocessing.md.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from tf_p2c.face.backend import FaceLandmarks, package_data_dir
from tf_p2c.face.warp import resize_max_side

PREDICTOR_FILE = "shape_predictor_68_face_landmarks.dat"


_per_thread = threading.local()


def _load(predictor_path: str):
    """Detector and predictor, built once per thread and shared by that thread's backends.

    Loading the 100 MB predictor takes ~1 s; dlib does not document its detector as safe
    for concurrent calls, so threads do not share them (processes never do).
    """
    import dlib

    cache = _per_thread.__dict__.setdefault("models", {})
    if predictor_path not in cache:
        cache[predictor_path] = (dlib.get_frontal_face_detector(), dlib.shape_predictor(predictor_path))
    return cache[predictor_path]


def default_predictor_path() -> str:
    """Path of the 68-point predictor inside the installed face-recognition-models wheel."""
    return os.path.join(package_data_dir("face_recognition_models", "models"), PREDICTOR_FILE)


class DlibBackend:
    """dlib HOG detection + 68-point shape predictor.

    Args:
        min_score: HOG SVM score threshold. dlib's own default (0) let a low-score false
            positive through on a real portrait; true frontal faces score well above 0.5.
        upsample: detector upsampling passes (1 finds faces down to ~40 px).
        detect_side: detection runs on a copy whose longer side is at most this (HOG cost
            grows with pixels; landmarks are then fitted on the full image).
        predictor_path: path to ``shape_predictor_68_face_landmarks.dat``.

    Example:
        >>> faces = DlibBackend().detect(rgb_uint8)
    """

    name = "dlib"

    def __init__(
        self,
        min_score: float = 0.5,
        upsample: int = 1,
        detect_side: int = 640,
        predictor_path: str | None = None,
    ) -> None:
        self.min_score = min_score
        self.upsample = upsample
        self.detect_side = detect_side
        self.predictor_path = predictor_path or default_predictor_path()
        if not os.path.isfile(self.predictor_path):
            raise FileNotFoundError(f"dlib 68-point predictor not found: {self.predictor_path}")
        self._detector, self._predictor = _load(self.predictor_path)

    def detect(self, image: np.ndarray) -> list[FaceLandmarks]:
        """Detects faces and fits 68 landmarks to each.

        Args:
            image: (H, W, 3) uint8 RGB.
        """
        import dlib

        small, (sx, sy) = resize_max_side(image, self.detect_side)
        small = np.ascontiguousarray(small)
        rects, scores, _ = self._detector.run(small, self.upsample, 0.0)
        image = np.ascontiguousarray(image)
        faces = []
        for rect, score in zip(rects, scores, strict=True):
            if score < self.min_score:
                continue
            full = dlib.rectangle(round(rect.left() / sx), round(rect.top() / sy),
                                  round(rect.right() / sx), round(rect.bottom() / sy))
            shape = self._predictor(image, full)
            pts = np.array([(p.x, p.y) for p in shape.parts()], np.float32)
            faces.append(FaceLandmarks(pts, float(score)))
        return faces
