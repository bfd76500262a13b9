"""One ``FacePreprocessor`` per calling thread, for thread pools and ``tf.data`` parallel maps."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from tf_p2c.face.preprocessor import FaceCrop, FacePreprocessor


class PerThreadPreprocessor:
    """Gives every thread that calls it its own lazily built ``FacePreprocessor``.

    A ``FacePreprocessor`` owns LiteRT interpreters, which must not be called from two
    threads at once; ``tf.data``'s ``map(..., num_parallel_calls=N)`` runs a
    ``tf.numpy_function`` on up to N pool threads. This wrapper is safe to share there.

    Args:
        **kwargs: ``FacePreprocessor`` arguments, used for every thread's instance.

    Example:
        >>> pre = PerThreadPreprocessor(backend="mediapipe")
        >>> def crop(img):
        ...     faces = pre.process(img)
        ...     return faces[0].image if faces else np.full((256, 256, 3), 255, np.uint8)
        >>> ds = ds.map(lambda x: tf.numpy_function(crop, [x], tf.uint8), num_parallel_calls=4)
    """

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self._local = threading.local()

    def get(self) -> FacePreprocessor:
        """This thread's preprocessor (built on first use in the thread)."""
        pre = getattr(self._local, "pre", None)
        if pre is None:
            pre = self._local.pre = FacePreprocessor(**self.kwargs)
        return pre

    def process(self, image: np.ndarray, all_faces: bool = False) -> list[FaceCrop]:
        """``FacePreprocessor.process`` on this thread's instance."""
        return self.get().process(image, all_faces=all_faces)

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """``FacePreprocessor.detect`` on this thread's instance."""
        return self.get().detect(image)
