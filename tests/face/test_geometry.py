"""Crop geometry on synthetic landmarks (no models)."""

import math

import cv2
import numpy as np
import pytest

from tf_p2c.face import geometry, warp


def synthetic_landmarks(cx=200.0, cy=150.0, w=100.0, h=120.0, angle_deg=0.0) -> np.ndarray:
    """68 points whose level box is w x h about (cx, cy); 36/45 at the eye line; then rotated."""
    rng = np.random.default_rng(0)
    pts = np.stack([rng.uniform(-w / 2, w / 2, 68), rng.uniform(-h / 2, h / 2, 68)], axis=1)
    pts[0] = (-w / 2, -h / 2)  # pin the box corners so the level box is exact
    pts[1] = (w / 2, h / 2)
    pts[36] = (-0.3 * w, -0.1 * h)
    pts[45] = (0.3 * w, -0.1 * h)
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return pts @ rot.T + (cx, cy)


def test_eye_angle_sign_and_value():
    pts = synthetic_landmarks(angle_deg=20)
    assert math.degrees(geometry.eye_angle(pts)) == pytest.approx(20.0)
    assert math.degrees(geometry.eye_angle(synthetic_landmarks(angle_deg=-35))) == pytest.approx(-35.0)


@pytest.mark.parametrize("angle", [0.0, 17.0, -40.0, 90.0, 160.0])
def test_rotation_levels_eyes_and_holds_whole_image(angle):
    w, h = 400, 300
    pts = synthetic_landmarks(angle_deg=angle)
    matrix, (cw, ch) = geometry.rotation_to_level(geometry.eye_angle(pts), w, h)
    rot = geometry.apply_affine(matrix, pts)
    assert rot[36, 1] == pytest.approx(rot[45, 1], abs=1e-9)
    assert rot[45, 0] > rot[36, 0]  # upright, not mirrored or upside down
    corners = geometry.apply_affine(matrix, np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]]))
    assert corners.min() >= -1e-6
    assert corners[:, 0].max() <= cw - 1 + 1e-6 and corners[:, 1].max() <= ch - 1 + 1e-6
    a = math.radians(angle)
    assert cw == math.ceil(round(w * abs(math.cos(a)) + h * abs(math.sin(a)), 6))


def test_zero_rotation_is_identity():
    matrix, size = geometry.rotation_to_level(0.0, 640, 480)
    np.testing.assert_allclose(matrix, [[1, 0, 0], [0, 1, 0]], atol=1e-12)
    assert size == (640, 480)


def test_crop_box_expansion_tall_box_grows_sideways():
    # Level box: l=100, r=200, t=100, b=200 (w = h = 100).
    pts = np.array([[100.0, 100.0], [200.0, 200.0], [150.0, 150.0]])
    left, top, right, bottom = geometry.crop_box(pts)
    # Expanded: top 100-80=20, bottom 200+30=230 (height 210); left 70, right 230 (160).
    # Square on the longer side (210), about the expanded box's centre (150, 125).
    assert (top, bottom) == pytest.approx((20.0, 230.0))
    assert (left, right) == pytest.approx((45.0, 255.0))


def test_crop_box_wide_box_grows_vertically():
    pts = np.array([[0.0, 0.0], [400.0, 50.0]])  # w=400, h=50
    left, top, right, bottom = geometry.crop_box(pts)
    # Expanded: x -120..520 (640), y -40..65 (105) -> square 640 about y centre 12.5.
    assert (left, right) == pytest.approx((-120.0, 520.0))
    assert (top, bottom) == pytest.approx((12.5 - 320.0, 12.5 + 320.0))


def test_box_to_crop_maps_edges_to_pixel_edges():
    box = (10.0, 20.0, 110.0, 120.0)
    m = geometry.box_to_crop(box, 256)
    mapped = geometry.apply_affine(m, np.array([[10.0, 20.0], [110.0, 120.0]]))
    # Box edges land on the outer pixel edges -0.5 and S-0.5 (pixel centres at integers).
    np.testing.assert_allclose(mapped, [[-0.5, -0.5], [255.5, 255.5]], atol=1e-9)


def test_alignment_matrix_maps_landmarks_level_and_inside():
    w, h, size = 640, 480, 256
    pts = synthetic_landmarks(cx=300, cy=220, w=110, h=130, angle_deg=-23)
    matrix, box, rotation = geometry.alignment(pts, w, h, size)
    crop_pts = geometry.apply_affine(matrix, pts)
    assert crop_pts[36, 1] == pytest.approx(crop_pts[45, 1], abs=1e-6)
    # The landmark box sits inside the crop with the expansion margins: its top is
    # 0.8 h below the crop's top edge and its bottom 0.3 h above the bottom edge.
    lo, hi = crop_pts.min(0), crop_pts.max(0)
    bh = hi[1] - lo[1]
    assert lo[1] + 0.5 == pytest.approx(0.8 * bh, rel=1e-6)
    assert size - 0.5 - hi[1] == pytest.approx(0.3 * bh, rel=1e-6)
    assert lo[0] + 0.5 == pytest.approx(size - 0.5 - hi[0], rel=1e-6)  # centred horizontally
    # matrix == box_to_crop o rotation, and inverting it maps back.
    np.testing.assert_allclose(matrix, geometry.compose(geometry.box_to_crop(box, size), rotation))
    back = geometry.apply_affine(geometry.invert_affine(matrix), crop_pts)
    np.testing.assert_allclose(back, pts, atol=1e-9)
    assert box[2] - box[0] == pytest.approx(box[3] - box[1])


def test_landmark_box_area_and_iou():
    assert geometry.landmark_box_area(np.array([[0, 0], [10, 5], [3, 1]])) == 50.0
    assert geometry.box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert geometry.box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert geometry.box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0


@pytest.mark.parametrize("scale", [0.3, 2.5])  # shrinking (area pre-resize) and enlarging paths
def test_warp_crop_places_pixels_by_matrix_and_fills_white(scale):
    img = np.zeros((300, 400, 3), np.uint8)
    img[140:161, 190:211] = (255, 0, 0)  # red 21x21 block centred at (200, 150)
    angle = math.radians(30)
    size = 128
    c, s = math.cos(angle) * scale, math.sin(angle) * scale
    # Rotate by 30 degrees and scale about (200, 150), which lands on the crop centre.
    lin = np.array([[c, s], [-s, c]])
    matrix = np.hstack([lin, (np.array([63.5, 63.5]) - lin @ np.array([200.0, 150.0]))[:, None]])
    crop = warp.warp_crop(img, matrix, size)
    assert crop.shape == (size, size, 3) and crop.dtype == np.uint8
    centre = crop[62:66, 62:66].reshape(-1, 3)
    assert (centre[:, 0] > 200).all() and (centre[:, 1:] < 60).all()
    # Points mapped from outside the photo are white; inside (black area) stays black.
    corner_src = geometry.apply_affine(geometry.invert_affine(matrix), np.array([[0.0, 0.0]]))[0]
    inside = 0 <= corner_src[0] < 400 and 0 <= corner_src[1] < 300
    assert (crop[0, 0] == (0 if inside else 255)).all()
    if scale > 1:  # 128 px at 2.5x covers 51 px of the photo: all inside, no white
        assert (crop[..., 2] < 50).all()
    else:  # 128 px at 0.3x covers 427 px: the photo's edges and white beyond are visible
        assert (crop == 255).all(axis=2).mean() > 0.2


def test_warp_crop_wholly_outside_is_white():
    img = np.zeros((50, 50, 3), np.uint8)
    matrix = np.array([[0.5, 0.0, 1000.0], [0.0, 0.5, 1000.0]])
    assert (warp.warp_crop(img, matrix, 32) == 255).all()


def test_resize_max_side():
    img = np.zeros((3000, 4000, 3), np.uint8)
    small, s = warp.resize_max_side(img, 1000)
    assert small.shape == (750, 1000, 3) and s == pytest.approx((0.25, 0.25))
    same, s = warp.resize_max_side(img[:100, :100], 1000)
    assert same.shape == (100, 100, 3) and s == (1.0, 1.0)


@pytest.mark.parametrize("shape,target", [((901, 1203), (128, 96)), ((1000, 1000), (250, 250)),
                                          ((777, 555), (100, 140)), ((50, 60), (120, 100))])
def test_area_resize_matches_cv2_area_and_reports_scale(shape, target):
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    img = np.stack([xs * 255.0 / w, ys * 255.0 / h, (xs + ys) % 7 * 30.0], axis=2).astype(np.uint8)
    out, (sx, sy) = warp.area_resize(img, *target)
    assert out.shape == (target[1], target[0], 3)
    ref = cv2.resize(img, target, interpolation=cv2.INTER_AREA if target[0] < w else cv2.INTER_LINEAR)
    assert np.abs(out[..., :2].astype(int) - ref[..., :2]).mean() < 1.5  # gradients agree
    # The reported scale maps pixel centres: x-gradient value at output x ~ 255 * x_src / w.
    x_src = (np.arange(target[0]) + 0.5) / sx - 0.5
    np.testing.assert_allclose(out[target[1] // 2, 2:-2, 0], (255.0 * x_src / w)[2:-2], atol=1.5)
