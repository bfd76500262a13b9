"""``FacePreprocessor``: photo -> aligned, segmented 256x256 face crops (DESIGN.md §1)."""

from __future__ import annotations

import dataclasses

import numpy as np

from tf_p2c.face import LANDMARK_BACKENDS, geometry, warp
from tf_p2c.face.backend import FaceLandmarks, LandmarkBackend


class NoFaceError(ValueError):
    """No usable face in the photo (callers that need one face raise it with a one-line reason)."""


@dataclasses.dataclass
class FaceCrop:
    """One aligned face.

    Args:
        image: (S, S, 3) uint8 RGB crop composited on white by ``mask``.
        raw: (S, S, 3) uint8 RGB aligned crop before compositing (white outside the photo).
        mask: (S, S) float32 alpha in [0, 1] of the portrait (head and hair, plus the neck
            and shoulders for the selfie model).
        landmarks: (68, 2) float32 iBUG 300-W landmarks in original image pixels.
        box: (left, top, right, bottom) crop square in rotated-canvas coordinates.
        matrix: (2, 3) float64 affine, original image (x, y) -> crop pixel (x, y).
        score: detector confidence (backend specific scale).
    """

    image: np.ndarray
    raw: np.ndarray
    mask: np.ndarray
    landmarks: np.ndarray
    box: tuple
    matrix: np.ndarray
    score: float

    @property
    def area(self) -> float:
        """Landmark-box area in original pixels (the sort key for several faces)."""
        return geometry.landmark_box_area(self.landmarks)


def make_backend(name: str, min_score: float | None = None, num_threads: int = 1) -> LandmarkBackend:
    """Builds a landmark backend by name.

    Args:
        name: ``"mediapipe"`` or ``"dlib"``.
        min_score: detector threshold (backend default when None).
        num_threads: threads for LiteRT interpreters.
    """
    if name == "mediapipe":
        from tf_p2c.face.mediapipe_backend import MediaPipeBackend

        return MediaPipeBackend(**({} if min_score is None else {"min_score": min_score}),
                                num_threads=num_threads)
    if name == "dlib":
        from tf_p2c.face.dlib_backend import DlibBackend

        return DlibBackend(**({} if min_score is None else {"min_score": min_score}))
    raise ValueError(f"backend must be one of {LANDMARK_BACKENDS}. Received: backend={name!r}")


class FacePreprocessor:
    """Detects faces, aligns and crops them as photo2cartoon does, and segments the portrait.

    Instances hold their own interpreters: create one per worker process (or thread) and
    use it from that thread only. Creation takes tens of ms (MediaPipe) or about a second
    the first time in a process (dlib's 100 MB predictor, then shared).

    Args:
        backend: ``"mediapipe"`` (default; BlazeFace + face mesh, the models MediaPipe runs on
            Android) or ``"dlib"`` (HOG + 68-point predictor, the original's landmarks).
        segmenter: ``"default"`` (MediaPipe selfie model when installed, else ``"grabcut"``),
            ``"selfie"``, ``"grabcut"``, ``"original"`` (needs ``seg_model_path``) or ``"none"``.
        seg_model_path: ``seg_model_384.pb`` for ``"original"``.
        out_size: crop side in pixels.
        min_score: detector threshold; None keeps the backend's default (MediaPipe: 0.5
            probability; dlib: 0.5 HOG score).
        max_side: detection runs on a copy whose longer side is at most this; crops are
            taken from the full-resolution image.
        num_threads: threads per interpreter (1 for one-process-per-core batch jobs).

    Example:
        >>> pre = FacePreprocessor()
        >>> crops = pre.process(rgb_uint8)          # [] when no face; largest face only
        >>> crops[0].image.shape
        (256, 256, 3)
    """

    def __init__(
        self,
        backend: str = "mediapipe",
        segmenter: str = "default",
        seg_model_path: str | None = None,
        out_size: int = 256,
        min_score: float | None = 0.5,
        max_side: int = 1280,
        num_threads: int = 1,
    ) -> None:
        from tf_p2c.face.segmentation import make_segmenter

        if out_size < 16:
            raise ValueError(f"out_size must be >= 16. Received: out_size={out_size}")
        if max_side < 64:
            raise ValueError(f"max_side must be >= 64. Received: max_side={max_side}")
        self.backend_name = backend
        self.segmenter_name = segmenter
        self.out_size = out_size
        self.max_side = max_side
        self.backend = make_backend(backend, min_score, num_threads)
        self.segmenter = make_segmenter(segmenter, seg_model_path, num_threads)

    def _faces(self, image: np.ndarray) -> list[FaceLandmarks]:
        """Backend faces in original pixels, largest landmark box first."""
        _check_image(image)
        small, (sx, sy) = warp.resize_max_side(image, self.max_side)
        faces = self.backend.detect(small)
        if small is not image:
            faces = [f.scaled(1.0 / sx, 1.0 / sy) for f in faces]
        return sorted(faces, key=lambda f: geometry.landmark_box_area(f.points), reverse=True)

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """68-point landmark sets of every face, largest landmark box first.

        Args:
            image: (H, W, 3) uint8 RGB.

        Returns:
            List of (68, 2) float32 arrays in image pixels.
        """
        return [f.points for f in self._faces(image)]

    def crop(self, image: np.ndarray, face: FaceLandmarks) -> FaceCrop:
        """Aligns, crops and segments one face.

        Args:
            image: (H, W, 3) uint8 RGB, full resolution.
            face: landmarks in ``image`` pixels.
        """
        h, w = image.shape[:2]
        matrix, box, _ = geometry.alignment(face.points, w, h, self.out_size)
        raw = warp.warp_crop(image, matrix, self.out_size)
        # The mesh's face oval is the better prior for the model-free segmenter.
        points = face.mesh if face.mesh is not None else face.points
        mask = self.segmenter(raw, geometry.apply_affine(matrix, points)).astype(np.float32)
        alpha = mask[:, :, None]
        composite = raw.astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        return FaceCrop(
            image=np.clip(composite + 0.5, 0, 255).astype(np.uint8),
            raw=raw,
            mask=mask,
            landmarks=face.points.astype(np.float32),
            box=tuple(float(v) for v in box),
            matrix=matrix,
            score=float(face.score),
        )

    def process(self, image: np.ndarray, all_faces: bool = False) -> list[FaceCrop]:
        """Detects, aligns, crops and segments faces.

        Args:
            image: (H, W, 3) uint8 RGB.
            all_faces: return every face instead of only the largest (the original's choice).

        Returns:
            Crops, largest landmark box first; [] when no face is found.
        """
        faces = self._faces(image)
        if not all_faces:
            faces = faces[:1]
        return [self.crop(image, f) for f in faces]


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        raise ValueError(f"image must be an (H, W, 3) uint8 RGB array. Received: shape={shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8. Received: dtype={image.dtype}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"image is empty. Received: shape={image.shape}")
