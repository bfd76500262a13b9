"""Alignment and crop geometry of the photo2cartoon preprocessing, in pure numpy.

Coordinates follow OpenCV: x to the right, y down, integer values at pixel centres.
Every transform is a (2, 3) float64 affine matrix ``M`` acting on column vectors
``[x, y, 1]``; ``apply_affine`` maps point arrays and ``compose`` chains matrices.

The steps (DESIGN.md §1 "Preprocessing"):

1. Rotate the whole image about its centre so that the outer eye corners (iBUG points
   36 and 45) are level; the canvas grows to hold the rotated image.
2. Landmark box (t, b, l, r) of the rotated landmarks, expanded top by 0.8·h, bottom by
   0.3·h, left and right by 0.3·w, then made square about its centre: the shorter side is
   grown to the length of the longer side, so the square holds the whole expanded box
   (this is what the original does; the Face-ID crop's ``h / 2.1`` relies on side = 2.1·h
   for the usual tall box).
3. The square is resized to ``out_size``; areas outside the photo are white.
"""

from __future__ import annotations

import math

import numpy as np

LEFT_EYE_OUTER = 36  # subject's right eye, image left in a frontal photo
RIGHT_EYE_OUTER = 45

# Box expansion, as fractions of the landmark box height (h) and width (w).
EXPAND_TOP = 0.8
EXPAND_BOTTOM = 0.3
EXPAND_SIDE = 0.3


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Maps (N, 2) points through a (2, 3) affine matrix.

    Args:
        matrix: (2, 3) affine matrix.
        points: (N, 2) array of (x, y).

    Returns:
        (N, 2) float64 array of mapped points.
    """
    points = np.asarray(points, dtype=np.float64)
    return points @ matrix[:, :2].T + matrix[:, 2]


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Returns the affine matrix of ``outer(inner(p))``.

    Args:
        outer: (2, 3) matrix applied second.
        inner: (2, 3) matrix applied first.
    """
    a = np.vstack([outer, [0.0, 0.0, 1.0]])
    b = np.vstack([inner, [0.0, 0.0, 1.0]])
    return (a @ b)[:2]


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """Inverts a (2, 3) affine matrix (e.g. crop -> original image for paste-back)."""
    full = np.vstack([matrix, [0.0, 0.0, 1.0]])
    return np.linalg.inv(full)[:2]


def eye_angle(landmarks: np.ndarray) -> float:
    """Angle in radians of the line from point 36 to point 45 (positive = clockwise on screen).

    Full-circle ``atan2``: equal to ``arctan(dy / dx)`` for tilts under 90 degrees, and an
    upside-down face is also turned upright.

    Args:
        landmarks: (68, 2) iBUG landmarks.
    """
    dx, dy = np.asarray(landmarks[RIGHT_EYE_OUTER], np.float64) - landmarks[LEFT_EYE_OUTER]
    return math.atan2(dy, dx)


def rotation_to_level(
    angle: float, width: int, height: int
) -> tuple[np.ndarray, tuple[int, int]]:
    """Rotation about the image centre that undoes ``angle``, on a canvas that holds it all.

    Args:
        angle: eye-line angle from ``eye_angle`` in radians.
        width: image width in pixels.
        height: image height in pixels.

    Returns:
        (matrix, (canvas_width, canvas_height)): a (2, 3) matrix mapping image points to
        canvas points, and the grown canvas size.
    """
    c, s = math.cos(angle), math.sin(angle)
    # Rounding guards against 1e-16 noise adding a whole pixel row at zero angle.
    new_w = int(math.ceil(round(width * abs(c) + height * abs(s), 6)))
    new_h = int(math.ceil(round(width * abs(s) + height * abs(c), 6)))
    # Rotating by -angle: [x', y'] = R(-angle) [x - cx, y - cy] + [cx', cy'].
    rot = np.array([[c, s], [-s, c]])
    src_centre = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
    dst_centre = np.array([(new_w - 1) / 2.0, (new_h - 1) / 2.0])
    matrix = np.hstack([rot, (dst_centre - rot @ src_centre)[:, None]])
    return matrix, (new_w, new_h)


def crop_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """Square crop box around level landmarks (step 2 of the module docstring).

    Args:
        landmarks: (N, 2) landmarks already rotated so the eyes are level.

    Returns:
        (left, top, right, bottom) floats with right - left == bottom - top.
    """
    pts = np.asarray(landmarks, np.float64)
    left, top = pts.min(axis=0)
    right, bottom = pts.max(axis=0)
    h, w = bottom - top, right - left
    top, bottom = top - EXPAND_TOP * h, bottom + EXPAND_BOTTOM * h
    left, right = left - EXPAND_SIDE * w, right + EXPAND_SIDE * w
    side = max(bottom - top, right - left)
    cx, cy = (left + right) / 2.0, (top + bottom) / 2.0
    return (cx - side / 2.0, cy - side / 2.0, cx + side / 2.0, cy + side / 2.0)


def box_to_crop(box: tuple[float, float, float, float], out_size: int) -> np.ndarray:
    """Affine matrix mapping canvas points to ``out_size`` crop pixels.

    The box is in the same pixel-centre coordinates as the landmarks; its edges map to the
    crop's outer pixel edges (-0.5 and out_size - 0.5), i.e. ``x_crop = (x - left) * k - 0.5``
    with ``k = out_size / side``. This is ``cv2.resize``'s convention when the box is a
    whole image (left = -0.5).

    Args:
        box: (left, top, right, bottom) square from ``crop_box``.
        out_size: crop side in pixels.
    """
    left, top, right, _ = box
    k = out_size / (right - left)
    return np.array([[k, 0.0, -0.5 - k * left], [0.0, k, -0.5 - k * top]])


def alignment(
    landmarks: np.ndarray, width: int, height: int, out_size: int
) -> tuple[np.ndarray, tuple[float, float, float, float], np.ndarray]:
    """Full alignment: original image points -> crop pixels.

    Args:
        landmarks: (68, 2) iBUG landmarks in original image pixels.
        width: original image width.
        height: original image height.
        out_size: crop side in pixels.

    Returns:
        (matrix, box, rotation): the (2, 3) original->crop matrix, the square box in
        rotated-canvas coordinates, and the (2, 3) original->canvas rotation.
    """
    rotation, _ = rotation_to_level(eye_angle(landmarks), width, height)
    box = crop_box(apply_affine(rotation, landmarks))
    return compose(box_to_crop(box, out_size), rotation), box, rotation


def landmark_box_area(landmarks: np.ndarray) -> float:
    """Area of the axis-aligned landmark box (the original's sort key for several faces)."""
    pts = np.asarray(landmarks, np.float64)
    w, h = pts.max(axis=0) - pts.min(axis=0)
    return float(w * h)


def box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (left, top, right, bottom) boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
