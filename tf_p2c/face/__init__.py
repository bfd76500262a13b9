"""Face preprocessing: detect, landmark, align, crop and segment portraits (DESIGN.md §1).

Importing the package is free; ``FacePreprocessor``, ``FaceCrop`` and ``NoFaceError`` are
loaded on first access (OpenCV, LiteRT and dlib only then).
"""

import importlib

# The choice lists of every command line and factory; the factories reject anything else.
LANDMARK_BACKENDS = ("mediapipe", "dlib")
# "default": the selfie model when installed, else grabcut; "original" needs seg_model_384.pb.
SEGMENTERS = ("default", "selfie", "grabcut", "original", "none")

_LAZY = {
    "FacePreprocessor": "preprocessor",
    "FaceCrop": "preprocessor",
    "NoFaceError": "preprocessor",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"tf_p2c.face.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'tf_p2c.face' has no attribute {name!r}")
