"""Writes the golden vectors that the Android core's JVM unit tests compare against.

Every expected value comes from the Python pipeline itself (`tf_p2c.face.geometry`,
`tf_p2c.face.landmark_map`, `tf_p2c.face.warp`, `tf_p2c.runtimes.to_uint8`,
`tf_p2c.cartoonize.pipeline`, `tf_p2c.export.tflite`); this script only chooses inputs.

    python android_demo/scripts/make_goldens.py [--out DIR] [--tflite-dir DIR]

Without options it rewrites the committed set in `android_demo/core/src/test/resources/goldens`
(deterministic: synthetic inputs plus MediaPipe landmarks of `samples/astronaut.png`).
`--tflite-dir` also exports the tiny smoke generator there and adds the goldens that need a
real model (`tensor_model.json`: generator output -> pixels; `exported_model.json`: the
metadata `read_metadata` finds in the exported file); `tests/android` does that in a temporary
folder on every run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

COMMITTED_DIR = os.path.join(REPO, "android_demo", "core", "src", "test", "resources", "goldens")
SAMPLE_PHOTO = os.path.join(REPO, "samples", "astronaut.png")
# Files that depend on an exported model; they are never committed.
MODEL_FILES = ("tensor_model.json", "exported_model.json")
# Region of the sample photo copied as the warp tests' source image (x0, y0, x1, y1).
WARP_REGION = (150, 40, 310, 220)
SEED = 20240607


def _write_json(path: str, obj) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, sort_keys=True, separators=(",", ":"))
        handle.write("\n")
    os.replace(tmp, path)


def _write_png(path: str, rgb: np.ndarray) -> None:
    from tf_p2c.image_io import write_image_atomic

    write_image_atomic(path, rgb)


def _floats(values) -> list:
    return [float(v) for v in np.asarray(values, np.float64).ravel()]


def _ints(values) -> list:
    return [int(v) for v in np.asarray(values).ravel()]


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _synthetic_face(rng, cx, cy, scale, angle_deg) -> np.ndarray:
    """68 points shaped roughly like a face (jaw, brows, eyes, nose, mouth), then tilted."""
    jaw_t = np.linspace(-1.0, 1.0, 17)
    jaw = np.stack([jaw_t, 0.2 + 0.8 * np.sqrt(1.0 - 0.75 * jaw_t**2)], axis=1)
    brows = np.stack([np.r_[np.linspace(-0.75, -0.15, 5), np.linspace(0.15, 0.75, 5)],
                      np.full(10, -0.45)], axis=1)
    nose = np.stack([np.r_[np.zeros(4), np.linspace(-0.15, 0.15, 5)],
                     np.r_[np.linspace(-0.3, 0.15, 4), np.full(5, 0.22)]], axis=1)
    eye = np.array([[-0.6, -0.2], [-0.5, -0.27], [-0.35, -0.27], [-0.25, -0.2], [-0.35, -0.15], [-0.5, -0.15]])
    eyes = np.r_[eye, eye[[3, 2, 1, 0, 5, 4]] * [-1, 1]]
    mouth = np.stack([0.35 * np.cos(np.linspace(np.pi, -np.pi, 20, endpoint=False)),
                      0.5 + 0.1 * np.sin(np.linspace(np.pi, -np.pi, 20, endpoint=False))], axis=1)
    pts = np.concatenate([jaw, brows, nose, eyes, mouth])
    pts += rng.normal(0.0, 0.01, pts.shape)  # no two faces alike, no exact ties
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return pts @ rot.T * scale + (cx, cy)


def _rotated_photo(photo: np.ndarray, angle_deg: float) -> np.ndarray:
    import cv2

    h, w = photo.shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), angle_deg, 1.0)
    return cv2.warpAffine(photo, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def realistic_faces() -> list:
    """(name, photo, FaceLandmarks) of the sample photo, upright and turned by +-30 degrees.

    Landmarks and mesh are rounded to 1/1000 px, so the goldens hold exactly the inputs the
    expected values were computed from.
    """
    from tf_p2c.face.backend import FaceLandmarks
    from tf_p2c.face.preprocessor import make_backend
    from tf_p2c.image_io import read_image

    photo = read_image(SAMPLE_PHOTO)
    backend = make_backend("mediapipe")
    out = []
    for angle in (0, 30, -30):
        image = photo if angle == 0 else _rotated_photo(photo, angle)
        faces = backend.detect(image)
        if not faces:
            raise RuntimeError(f"no face in the sample photo turned by {angle} degrees")
        face = faces[0]
        out.append((f"astronaut_{angle:+d}deg", image,
                    FaceLandmarks(np.round(face.points.astype(np.float64), 3), face.score,
                                  np.round(face.mesh.astype(np.float64), 3))))
    return out


# --------------------------------------------------------------------------------------------
# Golden sets
# --------------------------------------------------------------------------------------------


def alignment_cases(faces) -> dict:
    """Landmarks -> eye angle, level rotation and canvas, crop box, full affine."""
    from tf_p2c.face import geometry

    rng = np.random.default_rng(SEED)
    specs = [
        # name, image (w, h), face centre, face scale, tilt (deg), out size
        ("upright_square", (512, 512), (256, 250), 90, 0.0, 256),
        ("tilt_plus30_landscape", (640, 480), (300, 220), 110, 30.0, 256),
        ("tilt_minus30_portrait", (480, 640), (250, 330), 120, -30.0, 256),
        ("tilt_plus12_wide", (1000, 300), (820, 160), 70, 12.0, 256),
        ("tilt_minus45_tall", (300, 1000), (140, 200), 60, -45.0, 64),
        ("box_past_top_left", (200, 150), (25, 20), 40, 8.0, 256),
        ("box_past_bottom_right", (320, 240), (300, 230), 60, -20.0, 128),
        ("face_larger_than_image", (160, 120), (80, 60), 150, 5.0, 256),
        ("upside_down", (400, 300), (200, 150), 80, 170.0, 256),
        ("large_photo", (4032, 3024), (2000, 1400), 700, -25.0, 256),
    ]
    cases = []
    for name, (w, h), (cx, cy), scale, tilt, size in specs:
        cases.append((name, _synthetic_face(rng, cx, cy, scale, tilt), w, h, size))
    for name, image, face in faces:
        cases.append((name, face.points, image.shape[1], image.shape[0], 256))
    out = []
    for name, points, w, h, size in cases:
        points = np.round(np.asarray(points, np.float64), 4)
        angle = geometry.eye_angle(points)
        rotation, (cw, ch) = geometry.rotation_to_level(angle, w, h)
        level = geometry.apply_affine(rotation, points)
        matrix, box, rotation2 = geometry.alignment(points, w, h, size)
        out.append({
            "name": name, "width": w, "height": h, "out_size": size,
            "landmarks": _floats(points), "eye_angle": float(angle),
            "rotation": _floats(rotation), "canvas": [cw, ch], "level_landmarks": _floats(level),
            "box": _floats(box), "box_to_crop": _floats(geometry.box_to_crop(box, size)),
            "matrix": _floats(matrix), "inverse": _floats(geometry.invert_affine(matrix)),
            "box_area": geometry.landmark_box_area(points),
        })
    return {"tolerance": 1e-4, "cases": out}


def mesh_cases(faces) -> dict:
    """MediaPipe mesh (478 points as the Tasks FaceLandmarker gives) -> 68 iBUG points."""
    from tf_p2c.face.landmark_map import mesh_to_ibug68

    rng = np.random.default_rng(SEED + 1)
    out = []
    meshes = [(name, face.mesh) for name, _, face in faces]
    # A real mesh moved, scaled and turned: the offsets must turn and scale with the face.
    base = faces[0][2].mesh
    a = math.radians(-17.0)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    meshes.append(("astronaut_turned_scaled", (base - base.mean(0)) @ rot.T * 2.5 + (1200.0, 900.0)))
    meshes.append(("random_points", rng.uniform(0, 640, (468, 2))))
    for name, mesh in meshes:
        mesh = np.round(np.asarray(mesh, np.float64), 3)
        # The Tasks landmarker adds 10 iris points after the 468 mesh vertices; they are unused.
        irises = mesh[[468 - 1] * 10] + rng.normal(0, 1, (10, 2))
        out.append({"name": name, "mesh478": _floats(np.concatenate([mesh, np.round(irises, 3)])),
                    "ibug68": _floats(mesh_to_ibug68(mesh))})
    return {"tolerance": 1e-4, "cases": out}


def tensor_cases(outputs: np.ndarray, name: str) -> dict:
    """uint8 pixels -> generator input floats, and generator output floats -> pixels."""
    from tf_p2c.cartoonize.pipeline import to_generator_input
    from tf_p2c.runtimes import to_uint8

    pixels = np.arange(256, dtype=np.uint8).reshape(1, -1, 1).repeat(3, axis=2)  # every value
    inputs = to_generator_input(pixels[0])
    outputs = np.asarray(outputs, np.float32)
    return {
        "name": name,
        "input_pixels": _ints(pixels), "input_floats": _floats(inputs),
        "output_floats": _floats(outputs), "output_pixels": _ints(to_uint8(outputs)),
    }


def synthetic_outputs() -> np.ndarray:
    """Generator-like outputs: random values, the range ends, beyond them, and ties."""
    rng = np.random.default_rng(SEED + 2)
    values = [rng.uniform(-1.0, 1.0, 600), rng.normal(0.0, 0.8, 200),
              [-1.0, 1.0, 0.0, -1.5, 1.5, -1e-8, 1e-8, 0.99999, -0.99999]]
    # Values whose scaled form (y + 1) * 127.5 is an exact half in float32: ties that
    # round-half-to-even and round-half-up resolve differently.
    ties = []
    for k in range(0, 255):
        y = np.float32((k + 0.5) / 127.5 - 1.0)
        if (y + np.float32(1.0)) * np.float32(127.5) == np.float32(k + 0.5):
            ties.append(float(y))
    values.append(ties)
    return np.concatenate([np.asarray(v, np.float64) for v in values]).astype(np.float32)


def composite_cases(face_crop) -> dict:
    """Compositing on white: the crop before the generator and the cartoon after it."""
    from tf_p2c.cartoonize.pipeline import composite_on_white

    rng = np.random.default_rng(SEED + 3)
    image = rng.integers(0, 256, (1, 64, 3), dtype=np.uint8)
    mask = np.concatenate([[0.0, 1.0, 0.5, 1e-3, 0.999, 0.25, 0.75, 1.0 / 3.0],
                           rng.uniform(0, 1, 56)]).astype(np.float32).reshape(1, 64)
    cases = [{"name": "random", "width": 64, "height": 1, "pixels": _ints(image), "mask": _floats(mask),
              "expected": _ints(composite_on_white(image, mask))}]
    # A real crop and its selfie-segmentation mask; FacePreprocessor composites it itself.
    s = face_crop.raw.shape[0]
    cases.append({"name": "face_crop", "width": s, "height": s, "pixels": _ints(face_crop.raw),
                  "mask": _floats(face_crop.mask), "expected": _ints(face_crop.image)})
    return {"cases": cases}


def segmentation_cases() -> dict:
    """Selfie-segmenter input scaling, recorded from the real `SelfieSegmenter` call."""
    from tf_p2c.face.segmentation import SelfieSegmenter

    segmenter = SelfieSegmenter()
    size = segmenter._size
    recorded = {}
    real_set_tensor = segmenter._interp.set_tensor

    def record(index, value):
        recorded["input"] = np.array(value, copy=True)
        real_set_tensor(index, value)

    segmenter._interp.set_tensor = record
    values = np.arange(size * size * 3) % 256
    crop = values.astype(np.uint8).reshape(size, size, 3)
    mask = segmenter(crop)
    return {"size": size, "input_pixels": _ints(crop[:1, :86]),
            "input_floats": _floats(recorded["input"][0, :1, :86]),
            "mask_has_range": [float(mask.min()), float(mask.max())]}


def detection_scale_cases(faces) -> dict:
    """Detection-copy size of large photos, and landmarks mapped back to the photo."""
    from tf_p2c.face import warp
    from tf_p2c.face.backend import FaceLandmarks

    cases = []
    for w, h, max_side in ((4032, 3024, 1280), (3024, 4032, 1280), (1280, 720, 1280), (1281, 721, 1280),
                           (640, 480, 1280), (5000, 37, 1280), (2001, 1999, 1000), (6000, 4000, 640)):
        small, _ = warp.resize_max_side(np.zeros((h, w), np.uint8), max_side)
        cases.append({"width": w, "height": h, "max_side": max_side,
                      "expected": [int(small.shape[1]), int(small.shape[0])]})
    points = faces[0][2].points.astype(np.float32)
    back = FaceLandmarks(points, 1.0).scaled(1.0 / 0.3125, 1.0 / 0.25).points
    return {"sizes": cases, "points": {"small": _floats(points), "sx": 0.3125, "sy": 0.25,
                                       "original": _floats(back), "tolerance": 1e-3}}


def warp_cases(out_dir: str, faces) -> dict:
    """Aligned crops of a region of the sample photo by `warp.warp_crop` (PNG files)."""
    from tf_p2c.face import geometry, warp
    from tf_p2c.image_io import read_image

    x0, y0, x1, y1 = WARP_REGION
    source = np.ascontiguousarray(read_image(SAMPLE_PHOTO)[y0:y1, x0:x1])
    _write_png(os.path.join(out_dir, "warp_source.png"), source)
    h, w = source.shape[:2]
    points = faces[0][2].points - (x0, y0)
    centre = points.mean(0)
    a = math.radians(30.0)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    turned = (points - centre) @ rot.T + centre + (40.0, -25.0)  # tilted and pushed off the edge
    cases = []
    for name, pts, size in (("shrink", points, 64), ("enlarge", points, 256), ("tilted_past_edge", turned, 128)):
        matrix, _, _ = geometry.alignment(pts, w, h, size)
        crop = warp.warp_crop(source, matrix, size)
        _write_png(os.path.join(out_dir, f"warp_{name}.png"), crop)
        cases.append({"name": name, "out_size": size, "matrix": _floats(matrix), "scale": float(math.hypot(*matrix[:, 0])),
                      "expected_png": f"warp_{name}.png"})
    return {"source_png": "warp_source.png", "cases": cases}


def metadata_cases() -> dict:
    """The metadata the exporter embeds, for the float and the uint8-I/O smoke model."""
    from tf_p2c.export.tflite import model_metadata

    model = _smoke_model()
    out = []
    for name, uint8_io in (("float32", False), ("uint8", True)):
        meta = model_metadata(model, None, uint8_io=uint8_io)
        out.append({"name": name, "json": json.dumps(meta, sort_keys=True), "metadata": meta})
    return {"cases": out}


_MODEL = {}


def _smoke_model():
    if "model" not in _MODEL:
        import keras

        from tf_p2c.config import PRESETS
        from tf_p2c.models import build_generator

        keras.utils.set_random_seed(SEED)
        _MODEL["model"] = build_generator(PRESETS["smoke"], name="genA2B")
    return _MODEL["model"]


def _face_crop(faces, size: int):
    from tf_p2c.face.preprocessor import FacePreprocessor

    name, image, face = faces[0]
    pre = FacePreprocessor(backend="mediapipe", segmenter="selfie", out_size=size)
    return pre.crop(image, face)


def model_goldens(out_dir: str, tflite_dir: str, faces) -> str:
    """Exports the smoke generator as fp32 TFLite; writes the goldens that need it.

    Returns:
        Path of the exported `.tflite`.
    """
    from tf_p2c.cartoonize.pipeline import to_generator_input
    from tf_p2c.export.tflite import convert_tflite, model_metadata, read_metadata
    from tf_p2c.runtimes import litert_runner

    model = _smoke_model()
    flatbuffer = convert_tflite(model, None, metadata=model_metadata(model, None))
    path = os.path.join(tflite_dir, "photo2cartoon_fp32.tflite")
    with open(path + ".tmp", "wb") as handle:
        handle.write(flatbuffer)
    os.replace(path + ".tmp", path)
    _write_json(os.path.join(out_dir, "exported_model.json"),
                {"tflite": os.path.basename(path), "metadata": read_metadata(flatbuffer)})
    crop = _face_crop(faces, model.input_shape[1])
    outputs = litert_runner(flatbuffer)(to_generator_input(crop.image))[0]
    _write_json(os.path.join(out_dir, "tensor_model.json"), tensor_cases(outputs, "smoke_model_output"))
    return path


def write_goldens(out_dir: str, tflite_dir: str | None = None) -> str | None:
    """Writes every golden file into `out_dir` (and the model-based ones with `tflite_dir`).

    Returns:
        The exported `.tflite` path when `tflite_dir` is given, else None.
    """
    os.makedirs(out_dir, exist_ok=True)
    faces = realistic_faces()
    _write_json(os.path.join(out_dir, "alignment.json"), alignment_cases(faces))
    _write_json(os.path.join(out_dir, "mesh_to_ibug68.json"), mesh_cases(faces))
    _write_json(os.path.join(out_dir, "tensor_synthetic.json"), tensor_cases(synthetic_outputs(), "synthetic"))
    _write_json(os.path.join(out_dir, "composite.json"), composite_cases(_face_crop(faces, 48)))
    _write_json(os.path.join(out_dir, "segmentation.json"), segmentation_cases())
    _write_json(os.path.join(out_dir, "detection_scale.json"), detection_scale_cases(faces))
    _write_json(os.path.join(out_dir, "warp.json"), warp_cases(out_dir, faces))
    _write_json(os.path.join(out_dir, "metadata.json"), metadata_cases())
    if tflite_dir is None:
        return None
    return model_goldens(out_dir, tflite_dir, faces)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=COMMITTED_DIR, help="output folder (default: the committed goldens)")
    parser.add_argument("--tflite-dir", help="also export the smoke model here and write the model goldens")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(args.out))) as staging:
            write_goldens(staging, args.tflite_dir)
            os.makedirs(args.out, exist_ok=True)
            for name in sorted(os.listdir(staging)):
                os.replace(os.path.join(staging, name), os.path.join(args.out, name))
    except (OSError, RuntimeError, ValueError) as error:
        print(f"make_goldens.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
