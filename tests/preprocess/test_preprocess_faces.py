"""The preprocessing job with the real `FacePreprocessor` on the bundled sample photo.

One job over a folder of every kind of odd and broken input made from `samples/astronaut.png`:
each gets the right status and a one-line reason, and the odd-but-valid variants give the same
crop as the plain photo.
"""

from __future__ import annotations

import json
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from tf_p2c.preprocess.job import JobConfig, run_preprocess
from paths import SAMPLE


def _declared_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """Runs the job once over every variant; returns (save_path, {input: record})."""
    root = tmp_path_factory.mktemp("faces")
    data = root / "in"
    data.mkdir()
    rgb = np.asarray(Image.open(SAMPLE).convert("RGB"))
    upright = Image.fromarray(rgb)
    upright.save(data / "upright.jpg", quality=95, subsampling=0)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display": pixels stored rotated counter-clockwise
    upright.transpose(Image.Transpose.ROTATE_90).save(data / "exif_rotated.jpg", quality=95, subsampling=0, exif=exif)
    upright.save(data / "plain.png")
    upright.convert("L").save(data / "gray.png")
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, :40] = 0  # transparent strip far from the face
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(data / "rgba.png")
    cv2.imwrite(str(data / "deep16.png"), rgb[..., ::-1].astype(np.uint16) * 257)
    upright.convert("CMYK").save(data / "cmyk.jpg", quality=95)
    # The face at the top-left corner: the expanded crop box leaves the photo (filled white).
    upright.crop((170, 80, 512, 512)).save(data / "border.png")
    small = upright.resize((360, 360))
    two = Image.new("RGB", (900, 512), "white")
    two.paste(upright, (0, 0))
    two.paste(small, (530, 76))
    two.save(data / "two_people.png")
    Image.new("RGB", (300, 300), (120, 160, 200)).save(data / "no_face.png")
    upright.resize((48, 48)).save(data / "tiny.png")
    (data / "declares_50mp.png").write_bytes(_declared_png(8000, 6250))
    jpeg = (data / "upright.jpg").read_bytes()
    (data / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    (data / "text.jpg").write_text("a text file renamed .jpg\n")
    (data / "zero.png").write_bytes(b"")
    out = root / "out"
    summary = run_preprocess(JobConfig(str(data), str(out), workers=2, progress=False))
    with open(out / "manifest.jsonl") as f:
        records = {r["input"]: r for r in map(json.loads, f)}
    return out, records, summary


def crop(out, name) -> np.ndarray:
    return np.asarray(Image.open(out / name)).astype(np.float32)


def test_statuses_and_reasons(job):
    _, rec, summary = job
    ok = ["upright.jpg", "exif_rotated.jpg", "plain.png", "gray.png", "rgba.png", "deep16.png", "cmyk.jpg",
          "border.png", "two_people.png"]
    for name in ok:
        assert rec[name]["status"] == "ok", rec[name]
        assert rec[name]["outputs"] == [name.rsplit(".", 1)[0] + ".png"]
    assert rec["two_people.png"]["faces"] == 2
    assert rec["two_people.png"]["reason"] == "2 faces found; kept the largest"
    assert rec["no_face.png"]["status"] == "no_face"
    expected_errors = {"tiny.png": "too small", "declares_50mp.png": "too large", "truncated.jpg": "truncated",
                       "text.jpg": "not an image", "zero.png": "empty"}
    for name, words in expected_errors.items():
        assert rec[name]["status"] == "error" and words in rec[name]["reason"], rec[name]
        assert "\n" not in rec[name]["reason"]
    assert (summary.ok, summary.no_face, summary.error) == (9, 1, 5)


def test_exif_rotated_photo_gives_the_upright_crop(job):
    out, _, _ = job
    diff = np.abs(crop(out, "exif_rotated.png") - crop(out, "upright.png"))
    assert diff.mean() < 2.0, diff.mean()
    # Sanity: ignoring the orientation would give a very different crop.
    rotated = np.rot90(crop(out, "upright.png"))
    assert np.abs(rotated - crop(out, "upright.png")).mean() > 20


@pytest.mark.parametrize("name, tolerance", [("deep16.png", 2.0), ("rgba.png", 2.0), ("plain.png", 2.0),
                                              ("cmyk.jpg", 12.0)])
def test_odd_encodings_give_the_same_crop(job, name, tolerance):
    out, _, _ = job
    diff = np.abs(crop(out, name.rsplit(".", 1)[0] + ".png") - crop(out, "upright.png"))
    assert diff.mean() < tolerance, diff.mean()


def test_gray_crop_is_gray(job):
    out, _, _ = job
    g = crop(out, "gray.png")
    assert np.abs(g[..., 0] - g[..., 1]).max() == 0 and np.abs(g - crop(out, "upright.png")).mean() < 25


def test_border_face_filled_white(job):
    out, _, _ = job
    top = crop(out, "border.png")[:20]
    assert (top == 255).all()  # outside the photo: white, not black or smeared edge pixels
