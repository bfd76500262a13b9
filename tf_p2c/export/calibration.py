"""Representative face crops for full-integer calibration and for measuring export quality.

Quantization must be calibrated and judged on what the model sees in the app: aligned,
segmented face crops on white, normalised to [-1, 1]. Two sources:

- `crops_from_folder(dir, size)`: every photo in a folder through `FacePreprocessor`
  (the largest face of each); photos without a face are skipped; none at all is an error.
- `sample_face_crops(size)`: when no folder is given, crops of the bundled portrait
  `tf_p2c/assets/astronaut.png` taken from geometric and photometric variants of the photo
  (mirror, small rotations, zoom, brightness/contrast), each run through the same
  `FacePreprocessor`. If no face backend is installed, centre crops of the variants are used
  instead (and `source` says so).
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image, ImageEnhance

from tf_p2c.assets import SAMPLE_PHOTO
from tf_p2c.export.errors import ExportError
from tf_p2c.scaling import from_uint8



def _variants(photo: np.ndarray, count: int, start: int = 0) -> list[np.ndarray]:
    """Deterministic geometric / photometric variants of one photo (the first is the photo)."""
    base = Image.fromarray(photo)
    w, h = base.size
    settings = [  # (mirror, degrees, zoom, brightness, contrast)
        (False, 0, 1.0, 1.0, 1.0), (True, 0, 1.0, 1.0, 1.0), (False, 8, 1.0, 1.1, 0.9),
        (True, -8, 1.0, 0.9, 1.1), (False, 0, 1.25, 1.0, 1.2), (True, 4, 1.15, 1.2, 1.0),
        (False, -4, 1.1, 0.8, 0.9), (True, 12, 1.0, 1.0, 0.8), (False, -12, 1.2, 1.1, 1.1),
        (True, 0, 1.3, 0.9, 1.0), (False, 6, 1.05, 1.25, 1.25), (True, -6, 1.1, 0.75, 0.85),
    ]
    out = []
    for i in range(start, start + count):
        mirror, degrees, zoom, bright, contrast = settings[i % len(settings)]
        image = base.transpose(Image.FLIP_LEFT_RIGHT) if mirror else base
        if degrees:
            image = image.rotate(degrees, resample=Image.BILINEAR, fillcolor=(255, 255, 255))
        if zoom != 1.0:
            cw, ch = int(w / zoom), int(h / zoom)
            left, top = (w - cw) // 2, (h - ch) // 3
            image = image.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BILINEAR)
        image = ImageEnhance.Contrast(ImageEnhance.Brightness(image).enhance(bright)).enhance(contrast)
        out.append(np.asarray(image, dtype=np.uint8))
    return out


def _preprocessor(size: int):
    try:
        from tf_p2c.face.preprocessor import FacePreprocessor

        return FacePreprocessor(out_size=size)
    except Exception:  # noqa: BLE001 (no face backend installed: callers fall back to centre crops)
        return None


def _centre_crop(photo: np.ndarray, size: int) -> np.ndarray:
    h, w = photo.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = Image.fromarray(photo[top:top + side, left:left + side])
    return np.asarray(crop.resize((size, size), Image.BOX), dtype=np.uint8)


def sample_face_crops(size: int, count: int = 8, start: int = 0,
                      photo_path: str = SAMPLE_PHOTO) -> tuple[np.ndarray, str]:
    """`count` face crops made from the bundled sample photo.

    Variants `start .. start + count - 1` of a fixed list of 12 are used: `export_all`
    calibrates on variants 0-7 and measures quality on variants 8-11, so that the two sets
    differ.

    Returns:
        (images, source): float32 (count, size, size, 3) in [-1, 1], and a one-line description.
    """
    from tf_p2c.image_io import read_image

    photo = read_image(photo_path)
    pre = _preprocessor(size)
    crops, detected = [], 0
    for variant in _variants(photo, count, start):
        faces = pre.process(variant) if pre is not None else []
        if faces:
            detected += 1
            crops.append(faces[0].image)
        else:
            crops.append(_centre_crop(variant, size))
    name = os.path.basename(photo_path)
    if detected == count:
        source = f"{count} FacePreprocessor crops of variants of {name}"
    else:
        source = f"{count} variants of {name}: {detected} FacePreprocessor crops, {count - detected} centre crops"
    return from_uint8(np.stack(crops)), source


def crops_from_folder(folder: str, size: int, limit: int = 100) -> tuple[np.ndarray, str]:
    """Face crops (the largest face of each photo) of up to `limit` photos in `folder`."""
    from tf_p2c.image_io import ImageReadError, list_images, read_image

    if not os.path.isdir(folder):
        raise ExportError(f"calibration folder {folder}: not a directory")
    names = list_images(folder)
    pre = _preprocessor(size)
    if pre is None:
        raise ExportError("calibration needs a face backend (FacePreprocessor could not be created)")
    crops = []
    for name in names:
        if len(crops) >= limit:
            break
        try:
            faces = pre.process(read_image(os.path.join(folder, name)))
        except (ImageReadError, ValueError):
            continue
        if faces:
            crops.append(faces[0].image)
    if not crops:
        raise ExportError(f"calibration folder {folder}: no usable face in {len(names)} image file(s)")
    return from_uint8(np.stack(crops)), f"{len(crops)} face crops from {folder} ({len(names)} image files)"
