"""Pixel resampling for the aligned crop (OpenCV), kept apart from the pure geometry."""

from __future__ import annotations

import math

import cv2
import numpy as np

from tf_p2c.face import geometry

WHITE = (255, 255, 255)


def warp_crop(image: np.ndarray, matrix: np.ndarray, out_size: int) -> np.ndarray:
    """Resamples the aligned square crop straight from the original image.

    The original rotates the whole photo, crops, then resizes with area interpolation.
    Doing that literally on a 12 MP photo costs tens of ms, so the same result is built
    from the part of the photo the crop covers: when the crop shrinks the photo, that part
    is first area-resized to the crop's scale (the anti-aliasing of the original's
    INTER_AREA resize), and one bilinear warp then does rotation and placement. Outside
    the photo is white.

    Args:
        image: (H, W, 3) uint8 original image.
        matrix: (2, 3) original->crop affine (uniform scale, as built by
            ``geometry.alignment``).
        out_size: crop side in pixels.

    Returns:
        (out_size, out_size, 3) uint8 crop.
    """
    h, w = image.shape[:2]
    scale = math.hypot(matrix[0, 0], matrix[1, 0])
    if scale >= 1.0:
        return cv2.warpAffine(
            image, matrix, (out_size, out_size), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT, borderValue=WHITE,
        )
    # Source region the crop covers, with a pixel of margin for the bilinear taps.
    inv = geometry.invert_affine(matrix)
    corners = geometry.apply_affine(
        inv, np.array([[-1, -1], [out_size, -1], [-1, out_size], [out_size, out_size]], float)
    )
    x0 = max(int(math.floor(corners[:, 0].min())) - 1, 0)
    y0 = max(int(math.floor(corners[:, 1].min())) - 1, 0)
    x1 = min(int(math.ceil(corners[:, 0].max())) + 2, w)
    y1 = min(int(math.ceil(corners[:, 1].max())) + 2, h)
    if x1 <= x0 or y1 <= y0:  # crop lies wholly outside the photo
        return np.full((out_size, out_size, 3), 255, np.uint8)
    roi = image[y0:y1, x0:x1]
    rw = max(1, int(round((x1 - x0) * scale)))
    rh = max(1, int(round((y1 - y0) * scale)))
    small, (fx, fy) = area_resize(roi, rw, rh)
    # Pixel centres: x_small = (x - x0 + 0.5) * fx - 0.5.
    to_small = np.array([[fx, 0.0, 0.5 * fx - 0.5 - fx * x0], [0.0, fy, 0.5 * fy - 0.5 - fy * y0]])
    small_to_crop = geometry.compose(matrix, geometry.invert_affine(to_small))
    return cv2.warpAffine(
        small, small_to_crop, (out_size, out_size), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=WHITE,
    )


def area_resize(image: np.ndarray, width: int, height: int) -> tuple[np.ndarray, tuple[float, float]]:
    """Area-interpolated resize to (width, height), fast for large shrink factors.

    OpenCV's area resize is ~15x slower for arbitrary factors than for exact halving, so
    the image is first halved (2x2 block average) while it stays at least twice the target,
    then resized to the exact size. An odd side loses its last pixel row or column before
    a halving, so the effective scale can differ slightly from ``width / W``: it is
    returned, and callers map coordinates with it.

    Args:
        image: (H, W, C) or (H, W) array.
        width: output width.
        height: output height.

    Returns:
        (resized, (sx, sy)) with output pixel-centre coordinates
        ``x_out = (x + 0.5) * sx - 0.5`` (same for y).
    """
    h, w = image.shape[:2]
    span_w, span_h = float(w), float(h)  # extent of the original that the current image covers
    while w >= 4 * width and h >= 4 * height:
        w2, h2 = w // 2, h // 2
        span_w *= 2 * w2 / w
        span_h *= 2 * h2 / h
        image = cv2.resize(image[: 2 * h2, : 2 * w2], (w2, h2), interpolation=cv2.INTER_AREA)
        w, h = w2, h2
    if (w, h) != (width, height):
        interp = cv2.INTER_AREA if (w >= width and h >= height) else cv2.INTER_LINEAR
        image = cv2.resize(image, (width, height), interpolation=interp)
    return image, (width / span_w, height / span_h)


def resize_max_side(image: np.ndarray, max_side: int) -> tuple[np.ndarray, tuple[float, float]]:
    """Area-downscales so the longer side is at most ``max_side``.

    Args:
        image: (H, W, C) array.
        max_side: bound on the longer side.

    Returns:
        (resized image, (sx, sy)) as ``area_resize``; the image itself and (1, 1) when small.
    """
    h, w = image.shape[:2]
    f = max_side / max(h, w)
    if f >= 1.0:
        return image, (1.0, 1.0)
    return area_resize(image, max(1, int(round(w * f))), max(1, int(round(h * f))))
