"""468-point MediaPipe face mesh -> 68-point iBUG 300-W equivalent.

``MESH_TO_IBUG68[i]`` is the mesh vertex standing in for iBUG point ``i`` and
``OFFSETS[i]`` a small correction added to it. Both were derived here (not taken from
elsewhere) by ``tests/face/derive_landmark_map.py``: the dlib 68-point backend and the
MediaPipe mesh were run on the bundled astronaut portrait and 23 mirrored / rotated
(±10°, ±20°) / scaled (0.7×, 1.5×) copies; in the mesh's face frame (origin between the
outer eye corners, unit = their distance) each iBUG point got the mesh vertex with the
smallest mean distance, and the mean remaining offset. Mean residual: 0.032 with the
vertex alone, 0.015 with the offset. The offsets come from one subject: the systematic
part (the mesh's chin sits ~0.07 above dlib's visible chin; jaw points 5–11 had the
largest residuals) generalises, the rest is small. The jaw line (0–16), brows (17–26) and
outer eye corners (36, 45) decide rotation and crop box.
"""

from __future__ import annotations

import numpy as np

MESH_TO_IBUG68 = np.array(
    (
        # 0-16 jaw line, image left to right
        34, 123, 147, 58, 172, 136, 149, 148, 152, 377, 378, 379, 397, 288, 376, 352, 264,
        # 17-21, 22-26 eyebrows (17: vertices 46 and 156 are near-equal candidates)
        46, 63, 52, 65, 55, 285, 295, 282, 293, 383,
        # 27-30 nose bridge, 31-35 nostrils
        6, 197, 5, 1, 75, 97, 164, 326, 305,
        # 36-41, 42-47 eyes (36 and 45 are the outer corners that drive rotation)
        7, 159, 158, 112, 153, 144, 382, 385, 387, 249, 373, 380,
        # 48-59 outer lips, 60-67 inner lips
        76, 39, 72, 11, 302, 310, 306, 405, 314, 17, 84, 181,
        183, 82, 12, 268, 308, 316, 15, 86,
    ),
    dtype=np.int64,
)
assert MESH_TO_IBUG68.shape == (68,)


# Mean offset (iBUG point - its mesh vertex) in the face frame of ``face_frame``, in
# eye-corner distances: removes the systematic part of the residual (the mesh's chin sits
# ~0.07 above dlib's visible chin contour).
OFFSETS = np.array(
    (
        # 0-16 jaw
        (0.002, 0.022), (-0.023, -0.027), (0.002, 0.022), (-0.007, -0.016), (-0.014, 0.029),
        (0.012, 0.088), (-0.025, 0.057), (-0.051, 0.062), (0.000, 0.080), (0.053, 0.063),
        (0.023, 0.060), (0.089, 0.001), (0.011, 0.037), (0.005, -0.007), (0.003, 0.026),
        (0.032, -0.023), (0.007, 0.027),
        # 17-26 brows
        (-0.041, 0.019), (0.021, 0.014), (0.023, -0.031), (0.031, -0.017), (-0.012, -0.013),
        (0.026, -0.006), (-0.014, -0.013), (-0.008, -0.024), (-0.008, 0.023), (-0.020, -0.026),
        # 27-35 nose
        (0.011, -0.040), (0.012, 0.015), (0.012, -0.003), (0.012, -0.029), (0.009, 0.039),
        (0.023, 0.019), (0.010, 0.000), (-0.005, 0.019), (0.006, 0.040),
        # 36-47 eyes
        (-0.004, -0.005), (-0.023, -0.009), (0.023, -0.007), (-0.006, -0.005), (-0.006, 0.013),
        (0.005, 0.011), (0.001, 0.016), (-0.008, -0.005), (-0.022, -0.013), (0.013, -0.002),
        (0.006, 0.016), (0.018, 0.015),
        # 48-67 mouth
        (0.003, -0.003), (-0.001, 0.015), (0.020, -0.014), (0.006, -0.006), (-0.005, -0.014),
        (0.000, -0.012), (0.007, -0.003), (0.044, -0.016), (-0.001, 0.018), (0.006, 0.021),
        (0.009, 0.019), (-0.034, -0.016), (-0.006, 0.013), (0.004, 0.023), (0.006, 0.032),
        (0.002, 0.021), (-0.006, 0.009), (0.007, 0.000), (0.007, -0.001), (0.006, 0.001),
    ),
    dtype=np.float64,
)
assert OFFSETS.shape == (68, 2)

# Mesh vertices at the outer eye corners; they define the face frame of the offsets.
MESH_EYE_OUTER = (33, 263)


def face_frame(mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Face frame of a mesh: origin between the outer eye corners, unit = their distance.

    Args:
        mesh: (468, >=2) mesh points in image pixels.

    Returns:
        (origin (2,), axes (2, 2)): ``(p - origin) @ axes`` gives frame coordinates (x along
        the eye line, y towards the chin); ``origin + q @ inv(axes)`` maps back.
    """
    a = np.asarray(mesh[MESH_EYE_OUTER[0], :2], np.float64)
    b = np.asarray(mesh[MESH_EYE_OUTER[1], :2], np.float64)
    d = b - a
    n2 = float(d @ d) or 1.0
    u = d / n2  # unit direction divided by the length: one division gives frame units
    v = np.array([-u[1], u[0]])
    return (a + b) / 2.0, np.stack([u, v], axis=1)


def mesh_to_ibug68(mesh: np.ndarray) -> np.ndarray:
    """Picks the 68 iBUG-equivalent points out of a face mesh.

    Each point is its mesh vertex plus the mean offset measured when deriving the table,
    scaled and rotated with the face.

    Args:
        mesh: (468, D) mesh points in image pixels (D = 2 or 3; z is ignored).

    Returns:
        (68, 2) float64 points, in the iBUG 300-W order.
    """
    mesh = np.asarray(mesh, np.float64)[:, :2]
    origin, axes = face_frame(mesh)
    # Frame -> image: the inverse of the 2x2 axes (a scaled rotation) maps offsets back.
    return mesh[MESH_TO_IBUG68] + OFFSETS @ np.linalg.inv(axes)
