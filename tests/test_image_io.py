"""`tf_p2c.image_io`: every odd or broken input ends as RGB uint8 or a one-line ImageReadError."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from tf_p2c.image_io import (
    ImageReadError,
    decode_image,
    list_images,
    read_image,
    write_bytes_atomic,
    write_image_atomic,
)
from paths import SAMPLE


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A 160x120 RGB gradient with structure in every channel (no two rotations alike)."""
    y, x = np.mgrid[0:120, 0:160]
    return np.stack([x * 255 // 159, y * 255 // 119, (x * y) % 256], axis=-1).astype(np.uint8)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height RGB but carries almost no data (cheap to make)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def _assert_one_line(err: pytest.ExceptionInfo, *words: str) -> None:
    text = str(err.value)
    assert "\n" not in text and text
    for w in words:
        assert w in text, text


def test_reads_rgb_png_exactly(tmp_path, photo):
    path = tmp_path / "a.png"
    Image.fromarray(photo).save(path)
    out = read_image(path)
    assert out.dtype == np.uint8 and out.shape == (120, 160, 3)
    np.testing.assert_array_equal(out, photo)


def test_sample_photo_reads():
    out = read_image(SAMPLE)
    assert out.shape == (512, 512, 3) and out.dtype == np.uint8


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("empty.png", b"", ("empty", "0 bytes")),
        ("text.jpg", b"this is not a photo\n" * 10, ("not an image",)),
    ],
)
def test_refuses_bad_bytes(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    _assert_one_line(err, *words)


def test_refuses_missing_and_directory(tmp_path):
    with pytest.raises(ImageReadError) as err:
        read_image(tmp_path / "nope.png")
    _assert_one_line(err, "no such file")
    with pytest.raises(ImageReadError) as err:
        read_image(tmp_path)
    _assert_one_line(err, "directory")


@pytest.mark.parametrize("fmt, cut", [("JPEG", 0.5), ("PNG", 0.5), ("PNG", 0.98)])
def test_refuses_truncated(tmp_path, photo, fmt, cut):
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, fmt)
    data = buf.getvalue()
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    _assert_one_line(err, "truncated or corrupt")


def test_refuses_corrupt_png_crc(tmp_path, photo):
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    data[len(data) // 2] ^= 0xFF  # flips a byte inside IDAT
    path = tmp_path / "crc.png"
    path.write_bytes(bytes(data))
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    _assert_one_line(err)


def test_refuses_tiny(tmp_path, photo):
    path = tmp_path / "tiny.png"
    Image.fromarray(photo[:40, :50]).save(path)
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    _assert_one_line(err, "too small", "50x40")
    assert read_image(path, min_side=32).shape == (40, 50, 3)


def test_grayscale_becomes_rgb(tmp_path, photo):
    gray = photo[..., 0]
    path = tmp_path / "g.png"
    Image.fromarray(gray, "L").save(path)
    out = read_image(path)
    assert out.shape == (120, 160, 3)
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], gray)


def test_bilevel_becomes_rgb(tmp_path, photo):
    path = tmp_path / "b.png"
    Image.fromarray(photo[..., 0] > 127).convert("1").save(path)
    out = read_image(path)
    assert set(np.unique(out)) <= {0, 255} and out.shape == (120, 160, 3)


def test_rgba_composited_on_white(tmp_path, photo):
    alpha = np.zeros((120, 160), np.uint8)
    alpha[:, 80:] = 255
    alpha[:, 40:80] = 128
    path = tmp_path / "a.png"
    Image.fromarray(np.dstack([photo, alpha]), "RGBA").save(path)
    out = read_image(path).astype(int)
    assert (out[:, :40] == 255).all()  # transparent -> white, not black
    np.testing.assert_array_equal(out[:, 80:], photo[:, 80:])
    expected_half = np.rint(photo[:, 40:80] * (128 / 255) + 255 * (127 / 255))
    assert np.abs(out[:, 40:80] - expected_half).max() <= 1


def test_la_and_palette_with_transparency(tmp_path, photo):
    la = np.dstack([photo[..., 0], np.zeros((120, 160), np.uint8)])
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    assert (read_image(tmp_path / "la.png") == 255).all()
    pal = Image.fromarray(photo).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    index = pal.getpixel((0, 0))
    pal.save(tmp_path / "p.png", transparency=index)
    out = read_image(tmp_path / "p.png")
    assert (out[0, 0] == 255).all()
    opaque = np.asarray(pal) != index
    ref = np.asarray(pal.convert("RGB"))
    np.testing.assert_array_equal(out[opaque], ref[opaque])


def test_palette_without_transparency(tmp_path, photo):
    pal = Image.fromarray(photo).convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    pal.save(tmp_path / "p.gif")
    np.testing.assert_array_equal(read_image(tmp_path / "p.gif"), np.asarray(pal.convert("RGB")))


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_16_bit_png_scaled_not_clipped(tmp_path, channels):
    levels = np.linspace(0, 65535, 160).astype(np.uint16)
    gray16 = np.tile(levels, (120, 1))
    arr = gray16 if channels == 1 else np.dstack([gray16] * channels)
    if channels == 4:
        arr[..., 3] = 65535  # opaque
    path = tmp_path / f"c{channels}.png"
    assert cv2.imwrite(str(path), arr)
    out = read_image(path).astype(int)
    expected = np.rint(levels / 257.0)
    assert np.abs(out[0, :, 0] - expected).max() <= 1  # full range kept: 0 ... 255
    assert out.max() == 255 and out.min() == 0


def test_cmyk_jpeg(tmp_path, photo):
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(photo).convert("CMYK").save(path, quality=95)
    assert Image.open(path).mode == "CMYK"
    out = read_image(path).astype(int)
    ref = np.asarray(Image.fromarray(photo).convert("CMYK").convert("RGB")).astype(int)
    assert np.abs(out - ref).mean() < 3


@pytest.mark.parametrize("orientation, stored", [(3, Image.Transpose.ROTATE_180), (6, Image.Transpose.ROTATE_90),
                                                  (8, Image.Transpose.ROTATE_270)])
def test_exif_orientation_applied(tmp_path, photo, orientation, stored):
    """A photo stored rotated, with the EXIF tag saying how to show it, reads upright."""
    upright = Image.fromarray(photo)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.png"
    upright.transpose(stored).save(path, exif=exif)
    np.testing.assert_array_equal(read_image(path), photo)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF")
def test_broken_exif_is_ignored(tmp_path, photo):
    path = tmp_path / "e.jpg"
    Image.fromarray(photo).save(path, quality=95, exif=b"Exif\x00\x00MM\x00*garbage")
    assert read_image(path).shape == (120, 160, 3)


def test_declared_50mp_png_refused_without_decoding(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(_png_header_only(8000, 6250))
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    _assert_one_line(err, "too large", "8000x6250", "50.0 MP", "40 MP")


def test_pillow_bomb_limit_becomes_our_error(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(20000, 20000))  # 400 MP: past Pillow's hard limit
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither a warning nor a crash escapes
        with pytest.raises(ImageReadError) as err:
            read_image(path, max_pixels=10**12)
    _assert_one_line(err, "too large")


def test_pillow_bomb_warning_is_not_emitted(tmp_path):
    path = tmp_path / "warn.png"
    path.write_bytes(_png_header_only(10000, 10000))  # 100 MP: Pillow warns, does not refuse
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImageReadError) as err:
            read_image(path)
    _assert_one_line(err, "too large")


def test_50mp_jpeg_decoded_downscaled(tmp_path):
    """A real 50 MP JPEG is decoded at 1/2 scale by libjpeg: memory bounded by the limit."""
    big = np.zeros((6250, 8000, 3), np.uint8)
    big[:, :4000] = (30, 30, 200)  # BGR for OpenCV: red on the left
    path = tmp_path / "big.jpg"
    assert cv2.imwrite(str(path), big, [cv2.IMWRITE_JPEG_QUALITY, 50])
    del big
    out = read_image(path)
    assert out.shape == (3125, 4000, 3)
    assert abs(int(out[100, 100, 0]) - 200) < 8 and out[100, 3900, 0] < 10
    with pytest.raises(ImageReadError) as err:
        read_image(path, max_pixels=500_000)  # would need 1/16: refused
    _assert_one_line(err, "too large")


def test_decode_image_bytes(photo):
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "PNG")
    np.testing.assert_array_equal(decode_image(buf.getvalue()), photo)


def test_write_image_atomic_roundtrip_and_formats(tmp_path, photo):
    for ext in (".png", ".jpg", ".bmp", ".webp"):
        path = tmp_path / "sub" / f"x{ext}"
        write_image_atomic(path, photo)
        out = read_image(path)
        if ext in (".png", ".bmp"):
            np.testing.assert_array_equal(out, photo)
        else:
            assert np.abs(out[..., :2].astype(int) - photo[..., :2]).mean() < 12  # lossy; BGR swap gives ~80
    write_image_atomic(tmp_path / "gray.png", photo[..., 1])
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "gray.png")), photo[..., 1])
    assert sorted(os.listdir(tmp_path / "sub")) == ["x.bmp", "x.jpg", "x.png", "x.webp"]  # no temp left
    with pytest.raises(ValueError):
        write_image_atomic(tmp_path / "x.tga", photo)


def test_write_bytes_atomic_failure_leaves_old_file(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    write_bytes_atomic(path, b"old")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_bytes_atomic(path, b"new contents")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]  # temp file removed


def test_list_images_recursive_sorted(tmp_path):
    for rel in ("b.JPG", "a/c.png", "a/.hidden.png", ".tmp/x.png", "notes.txt", "a/d.webp"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    assert list_images(tmp_path) == ["a/c.png", "a/d.webp", "b.JPG"]
