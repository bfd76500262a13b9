"""Copies the model files into the Android app and writes the instrumented test's golden image.

    python android_demo/scripts/prepare_assets.py --export-dir EXPORT \
        --face-landmarker face_landmarker.task [--selfie selfie_segmentation.tflite] [--app-dir android_demo/app]

* `EXPORT/photo2cartoon_*.tflite` (from `export_tflite.py --out-dir EXPORT`) -> `app/src/main/assets/`;
  `photo2cartoon_fp32.tflite` is required (the app's default and the golden's model).
* `face_landmarker.task`: MediaPipe's FaceLandmarker bundle, obtained by the developer (see
  the README); it is never downloaded by the build.
* `selfie_segmentation.tflite`: the portrait segmentation model `make setup` installs into
  `tf_p2c/face/assets/` (or `--selfie`).
* `app/src/androidTest/assets/expected.png`: the Python pipeline's cartoon (LiteRT, fp32 model)
  of `input.png` there. `input.png` (an aligned crop of `samples/astronaut.png` on white) is
  rewritten only when its size differs from the model's input size.

Every file is written to a temporary name and renamed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import zipfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

DEFAULT_APP_DIR = os.path.join(REPO, "android_demo", "app")
SAMPLE_PHOTO = os.path.join(REPO, "samples", "astronaut.png")
GOLDEN_MODEL = "photo2cartoon_fp32.tflite"
LANDMARKER_FILE = "face_landmarker.task"
SELFIE_FILE = "selfie_segmentation.tflite"


class AssetError(ValueError):
    """A missing or unusable input file; the message is one line."""


def _copy_atomic(src: str, dst: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dst), prefix=".tmp-")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def face_crop(size: int):
    """Aligned crop of the sample photo on white, as the app feeds the generator."""
    from tf_p2c.face.preprocessor import FacePreprocessor
    from tf_p2c.image_io import read_image

    crops = FacePreprocessor(out_size=size).process(read_image(SAMPLE_PHOTO))
    if not crops:
        raise AssetError(f"no face found in {SAMPLE_PHOTO}")
    return crops[0].image


def golden_cartoon(model_path: str, crop):
    """The Python pipeline's generator output for one crop, as uint8 pixels."""
    from tf_p2c.cartoonize.pipeline import to_generator_input
    from tf_p2c.runtimes import litert_runner, to_uint8

    return to_uint8(litert_runner(model_path)(to_generator_input(crop)))[0]


def prepare(export_dir: str, face_landmarker: str, selfie: str | None, app_dir: str) -> list[str]:
    """Copies the assets and writes the test golden.

    Returns:
        The paths written.

    Raises:
        AssetError: a missing or unusable input.
    """
    from tf_p2c.export.tflite import read_metadata
    from tf_p2c.face.segmentation import default_selfie_path
    from tf_p2c.image_io import read_image, write_image_atomic

    models = sorted(n for n in os.listdir(export_dir) if n.startswith("photo2cartoon_") and n.endswith(".tflite")) \
        if os.path.isdir(export_dir) else []
    if GOLDEN_MODEL not in models:
        raise AssetError(f"{export_dir}: no {GOLDEN_MODEL} (write it with export_tflite.py --out-dir {export_dir})")
    with open(os.path.join(export_dir, GOLDEN_MODEL), "rb") as handle:
        metadata = read_metadata(handle.read())
    if metadata is None:
        raise AssetError(f"{GOLDEN_MODEL} has no photo2cartoon metadata; export it again with export_tflite.py")
    size = int(metadata["input"]["shape"][1])
    if not os.path.isfile(face_landmarker) or not zipfile.is_zipfile(face_landmarker):
        raise AssetError(f"{face_landmarker}: not a MediaPipe .task bundle (see android_demo/README.md)")
    selfie = selfie or default_selfie_path()
    if not os.path.isfile(selfie):
        raise AssetError(f"{selfie}: selfie segmentation model missing (run `make setup`, or pass --selfie)")

    assets = os.path.join(app_dir, "src", "main", "assets")
    test_assets = os.path.join(app_dir, "src", "androidTest", "assets")
    os.makedirs(assets, exist_ok=True)
    os.makedirs(test_assets, exist_ok=True)
    written = []
    for name in models:
        _copy_atomic(os.path.join(export_dir, name), os.path.join(assets, name))
        written.append(os.path.join(assets, name))
    for src, name in ((face_landmarker, LANDMARKER_FILE), (selfie, SELFIE_FILE)):
        _copy_atomic(src, os.path.join(assets, name))
        written.append(os.path.join(assets, name))

    input_path = os.path.join(test_assets, "input.png")
    crop = read_image(input_path) if os.path.isfile(input_path) else None
    if crop is None or crop.shape[:2] != (size, size):
        crop = face_crop(size)
        write_image_atomic(input_path, crop)
        written.append(input_path)
    expected_path = os.path.join(test_assets, "expected.png")
    write_image_atomic(expected_path, golden_cartoon(os.path.join(assets, GOLDEN_MODEL), crop))
    written.append(expected_path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-dir", required=True, help="output folder of export_tflite.py")
    parser.add_argument("--face-landmarker", required=True, help="MediaPipe face_landmarker.task")
    parser.add_argument("--selfie", help="selfie_segmentation.tflite (default: the tf_p2c install)")
    parser.add_argument("--app-dir", default=DEFAULT_APP_DIR, help="the app module (default: android_demo/app)")
    args = parser.parse_args(argv)
    try:
        for path in prepare(args.export_dir, args.face_landmarker, args.selfie, args.app_dir):
            print(os.path.relpath(path))
    except (AssetError, OSError) as error:
        print(f"prepare_assets.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
