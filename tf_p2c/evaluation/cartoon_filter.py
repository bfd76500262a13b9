"""A fixed procedural cartoon filter: the known answer of the learning benchmark.

A translation network trained unpaired from photos (domain A) to filtered photos (domain B)
can be scored against the truth, `cartoon_filter(a)`, which real cartoon styles never offer.
The filter is deterministic and local (every output pixel depends on a small neighbourhood),
so a convolutional generator can represent it:

1. edge-preserving smoothing: `SMOOTHING_PASSES` bilateral filters (OpenCV, diameter 5,
   sigma colour 40, sigma space 3) flatten texture while keeping the boundaries of regions;
2. colour quantisation: each RGB channel is rounded to `LEVELS` evenly spaced values, which
   gives the flat fills of a cel-shaded image;
3. dark edges: pixels where the smoothed luminance has a Sobel gradient magnitude above
   `EDGE_THRESHOLD` (of 255) are multiplied by `EDGE_DARKNESS`.

The parameters are part of the benchmark's definition: changing them changes its figures.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EDGE_DARKNESS", "EDGE_THRESHOLD", "LEVELS", "SMOOTHING_PASSES", "cartoon_filter"]

SMOOTHING_PASSES = 2
LEVELS = 5
EDGE_THRESHOLD = 60.0
EDGE_DARKNESS = 0.25


def cartoon_filter(image: np.ndarray) -> np.ndarray:
    """Cartoon-styled copy of an RGB image.

    Args:
        image: (H, W, 3) uint8 RGB.

    Returns:
        (H, W, 3) uint8 RGB, the same size.
    """
    import cv2

    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"cartoon_filter takes an (H, W, 3) uint8 image. Received: {image.dtype} {image.shape}")
    smooth = image
    for _ in range(SMOOTHING_PASSES):
        smooth = cv2.bilateralFilter(smooth, d=5, sigmaColor=40, sigmaSpace=3)
    step = 255.0 / (LEVELS - 1)
    flat = np.round(smooth.astype(np.float32) / step) * step
    luminance = cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gradient = np.hypot(cv2.Sobel(luminance, cv2.CV_32F, 1, 0, ksize=3),
                        cv2.Sobel(luminance, cv2.CV_32F, 0, 1, ksize=3))
    edges = (gradient > EDGE_THRESHOLD)[..., None]
    out = np.where(edges, flat * EDGE_DARKNESS, flat)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
