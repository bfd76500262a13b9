"""The 468 -> 68 table: well formed, and it moves with the face."""

import math

import numpy as np

from tf_p2c.face.landmark_map import MESH_TO_IBUG68, OFFSETS, mesh_to_ibug68


def test_table_is_well_formed():
    assert MESH_TO_IBUG68.shape == (68,) and OFFSETS.shape == (68, 2)
    assert MESH_TO_IBUG68.min() >= 0 and MESH_TO_IBUG68.max() < 468
    assert len(set(MESH_TO_IBUG68.tolist())) == 68  # no mesh vertex stands for two points
    assert np.abs(OFFSETS).max() < 0.15  # corrections are small next to the eye distance


def test_mapping_is_similarity_equivariant():
    rng = np.random.default_rng(1)
    mesh = rng.uniform(0, 100, (468, 3))
    a = math.radians(33)
    rot = 2.5 * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    moved = mesh[:, :2] @ rot.T + (40.0, -7.0)
    expected = mesh_to_ibug68(mesh) @ rot.T + (40.0, -7.0)
    np.testing.assert_allclose(mesh_to_ibug68(moved), expected, atol=1e-9)
