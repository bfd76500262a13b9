"""Blending a cartoon face back into the original photo."""

from __future__ import annotations

import cv2
import numpy as np


def feathered_alpha(mask: np.ndarray, feather: int) -> np.ndarray:
    """Mask shrunk and blurred by about `feather` pixels, so the seam fades out."""
    alpha = np.clip(mask.astype(np.float32), 0.0, 1.0)
    if feather <= 0:
        return alpha
    size = 2 * feather + 1
    alpha = cv2.erode(alpha, np.ones((size, size), np.uint8))
    # An odd kernel about twice the feather width blurs the shrunken edge back outwards.
    return cv2.GaussianBlur(alpha, (2 * size + 1, 2 * size + 1), 0)


def paste_back(photo: np.ndarray, cartoon: np.ndarray, mask: np.ndarray, matrix: np.ndarray,
               feather: int = 4) -> np.ndarray:
    """Warps a cartoon crop back onto the photo, undoing the alignment's rotation and scale.

    Args:
        photo: (H, W, 3) uint8 RGB original.
        cartoon: (S, S, 3) uint8 RGB generator output for the aligned crop.
        mask: (S, S) float alpha of the portrait in the crop.
        matrix: (2, 3) affine, photo (x, y) -> crop pixel (x, y) (`FaceCrop.matrix`).
        feather: edge softening in crop pixels.

    Returns:
        (H, W, 3) uint8 RGB photo with the cartoon face blended in.
    """
    h, w = photo.shape[:2]
    inverse = cv2.invertAffineTransform(np.asarray(matrix, np.float64))
    warped = cv2.warpAffine(cartoon, inverse, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(feathered_alpha(mask, feather), inverse, (w, h), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)[..., None]
    blended = photo.astype(np.float32) * (1.0 - alpha) + warped.astype(np.float32) * alpha
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)
