"""Regenerates the 468 -> 68 tables in tf_p2c/face/landmark_map.py (run by hand, not by pytest).

Runs the dlib 68-point backend and the MediaPipe mesh on the bundled sample and on
mirrored, rotated and scaled copies. Distances are measured in the mesh's own face frame
(origin at the midpoint of mesh vertices 33 and 263, the outer eye corners; x along them;
unit = their distance), averaged over the copies, and for each iBUG point the nearest mesh
vertex is chosen; the mean remaining offset, in the same frame, becomes the correction
added at run time. Both schemes label points by image side (iBUG 36 is always the
image-left eye corner), so mirrored copies need no re-indexing: they add the sample's
other half-face as data.

    PYTHONPATH=. .venv/bin/python tests/face/derive_landmark_map.py
"""

from __future__ import annotations

import os

import cv2
import numpy as np
from PIL import Image

from tf_p2c.face.dlib_backend import DlibBackend
from tf_p2c.face.landmark_map import face_frame
from tf_p2c.face.mediapipe_backend import MediaPipeBackend

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def variants(img: np.ndarray):
    h, w = img.shape[:2]
    for flip in (False, True):
        base = img[:, ::-1].copy() if flip else img
        for angle in (-20, -10, 0, 10, 20):
            for scale in (0.7, 1.0, 1.5):
                m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
                yield cv2.warpAffine(base, m, (w, h), borderValue=(255, 255, 255))


def main() -> None:
    img = np.asarray(Image.open(os.path.join(ROOT, "tf_p2c", "assets", "astronaut.png")).convert("RGB"))
    mp, dl = MediaPipeBackend(), DlibBackend()
    pairs = []
    for im in variants(img):
        a, b = mp.detect(im), dl.detect(im)
        if len(a) == 1 and len(b) == 1:
            mesh = a[0].mesh.astype(float)
            origin, axes = face_frame(mesh)  # (p - origin) @ axes: face-frame coordinates
            pairs.append(((b[0].points.astype(float) - origin) @ axes, (mesh - origin) @ axes))
    dist = np.mean([np.linalg.norm(p[:, None] - m[None], axis=2) for p, m in pairs], axis=0)
    idx = dist.argmin(axis=1)
    offsets = np.mean([p - m[idx] for p, m in pairs], axis=0)
    spread = np.mean([np.linalg.norm(p - m[idx] - offsets, axis=1) for p, m in pairs], axis=0)
    print(f"# {len(pairs)} image variants; nearest-vertex residual {dist[np.arange(68), idx].mean():.3f},"
          f" after offset {spread.mean():.3f} (eye-corner distances)")
    print("MESH_TO_IBUG68 =", idx.tolist())
    print("OFFSETS =", np.round(offsets, 3).tolist())
    print("spread per point:", np.round(spread, 3).tolist())


if __name__ == "__main__":
    main()
