"""Reading photos as RGB uint8 arrays, and writing files atomically.

Every way a photo can be odd or broken ends in one of two outcomes: an (H, W, 3) uint8 RGB array
that looks the way a viewer shows the photo (EXIF orientation applied, transparency composited on
white, 16-bit scaled to 8-bit, CMYK / palette / grayscale converted), or an `ImageReadError` whose
message is one line saying why. Batch jobs record that line and move on.

Size policy (``max_pixels``, 40 MP by default): a JPEG larger than the limit is decoded at a reduced
DCT scale (1/2, 1/4 or 1/8, libjpeg's own downscaling through `PIL.Image.Image.draft`), so memory
stays bounded by the limit, never by the photo; any other format larger than the limit is refused,
because Pillow would have to decode it whole. Face preprocessing resizes crops to 256 px, so the
reduced JPEG loses nothing it needs.

Only regular files are read (`read_file`): a FIFO, a device or a socket, also behind a symlink, is
refused before a byte is read (reading one could block forever or never end), and no file is read
past ``max_bytes``.

Writers (`write_bytes_atomic`, `write_image_atomic`) go through `tf_p2c.atomic_write`: a temporary
file in the destination's folder, renamed into place, so a reader, or a job resumed after a crash,
sees the old file or the complete new one, never a partial file under the final name.
"""

from __future__ import annotations

import io
import os
import stat
import threading
import warnings
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from tf_p2c import atomic_write

PathLike = Union[str, os.PathLike]

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MIN_SIDE = 64
# Largest photo file read: a 40 MP 16-bit RGBA TIFF or BMP is 320 MB, a 40 MP JPEG far less.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024

# File-name extensions the readers and the batch job treat as images.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif")

# `warnings.catch_warnings` swaps process-wide state; serialise it across reader threads. Only the
# header parse runs under the lock (microseconds), never the decode.
_OPEN_LOCK = threading.Lock()


class ImageReadError(ValueError):
    """A file that cannot be used as a photo; `str(err)` is a one-line reason."""


def read_image(
    path: PathLike,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int = DEFAULT_MIN_SIDE,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """Reads a photo file as an (H, W, 3) uint8 RGB array, the way a viewer shows it.

    Args:
        path: the file.
        max_pixels: largest decoded size in pixels. Larger JPEGs are decoded at 1/2, 1/4 or 1/8
            scale to fit; larger images of other formats are refused.
        min_side: smallest accepted side in pixels (after the orientation is applied).
        max_bytes: largest file size read.

    Returns:
        (H, W, 3) uint8 RGB array.

    Raises:
        ImageReadError: missing, not a regular file, empty, not an image, truncated or corrupt,
            too small, too large.
    """
    return decode_image(read_file(path, max_bytes), max_pixels=max_pixels, min_side=min_side)


def _open_regular(path: PathLike) -> int:
    """Opens `path` for reading if it is (or links to) a regular file; returns the descriptor.

    The type is checked before opening (opening some devices has effects of its own) and again
    on the open descriptor, so a file swapped in between is caught too. O_NONBLOCK: opening a
    FIFO with no writer would otherwise block forever.
    """
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode):
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            mode = os.fstat(fd).st_mode
            if stat.S_ISREG(mode):
                os.set_blocking(fd, True)
                return fd
            os.close(fd)
    except FileNotFoundError:
        raise ImageReadError("no such file") from None
    except OSError as err:
        raise ImageReadError(f"cannot read file: {err.strerror or err}") from None
    if stat.S_ISDIR(mode):
        raise ImageReadError("is a directory, not an image file")
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "a special file")
    raise ImageReadError(f"not a regular file ({kind}); only regular files are read")


def read_file(path: PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a regular file (symlinks followed) of at most `max_bytes`.

    Every reader of input files goes through here.

    Raises:
        ImageReadError: missing, a directory, a FIFO / device / socket, unreadable, or larger
            than `max_bytes`.
    """
    fd = _open_regular(path)
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise ImageReadError(f"too large: the file is over {max_bytes} bytes")
        try:
            # One byte past the stated size catches a file that grows while read; the buffer is
            # sized by the file, not by the cap.
            data = f.read(size + 1)
        except OSError as err:
            raise ImageReadError(f"cannot read file: {err.strerror or err}") from None
    if len(data) > max_bytes:
        raise ImageReadError(f"too large: the file is over {max_bytes} bytes")
    return data


def decode_image(
    data: bytes,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int = DEFAULT_MIN_SIDE,
) -> np.ndarray:
    """Decodes encoded image bytes like `read_image` does a file.

    Args:
        data: the encoded file contents.
        max_pixels: see `read_image`.
        min_side: see `read_image`.

    Returns:
        (H, W, 3) uint8 RGB array.

    Raises:
        ImageReadError: see `read_image`.
    """
    if len(data) == 0:
        raise ImageReadError("empty file (0 bytes)")
    image = _open(data, max_pixels)
    try:
        image.load()
    except Image.DecompressionBombError as err:
        raise ImageReadError(f"too large: {err}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageReadError(f"truncated or corrupt {image.format or 'image'} data: {_one_line(err)}") from None
    image = _apply_orientation(image)
    width, height = image.size
    if min(width, height) < min_side:
        raise ImageReadError(f"too small: {width}x{height} px (each side must be at least {min_side} px)")
    try:
        return _to_rgb_uint8(image)
    except (OSError, ValueError) as err:
        raise ImageReadError(f"cannot convert {image.mode} image to RGB: {_one_line(err)}") from None


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Parses the header, applies the size policy and returns a not-yet-decoded image."""
    image = _parse_header(io.BytesIO(data))
    width, height = image.size
    pixels = width * height
    if pixels <= max_pixels:
        return image
    if image.format == "JPEG":
        for scale in (2, 4, 8):
            if (width // scale) * (height // scale) <= max_pixels:
                image.draft(None, (width // scale, height // scale))
                if image.size[0] * image.size[1] <= max_pixels:
                    return image
                break
    raise ImageReadError(
        f"too large: {width}x{height} = {pixels / 1e6:.1f} MP exceeds the {max_pixels / 1e6:.0f} MP limit"
        + ("" if image.format == "JPEG" else " (only JPEG is decoded downscaled)")
    )


def probe_image(path: PathLike) -> tuple[str, int, int, int]:
    """Reads only the header of an image file: cheap validation before a bulk decode.

    Args:
        path: the file.

    Returns:
        (Pillow format name such as "PNG" or "JPEG", width, height, EXIF orientation 1-8) as stored.

    Raises:
        ImageReadError: missing, not a regular file, empty, not an image or a corrupt header.
            Truncated pixel data is not detected (that needs a full decode).
    """
    with os.fdopen(_open_regular(path), "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            raise ImageReadError("empty file (0 bytes)")
        image = _parse_header(f)
        try:
            orientation = int(image.getexif().get(0x0112, 1))
        except Exception:  # noqa: BLE001 - broken EXIF: the decoders ignore it too
            orientation = 1
        return image.format or "", image.size[0], image.size[1], orientation


def _parse_header(fp) -> Image.Image:
    """`Image.open` with Pillow's warnings and errors turned into `ImageReadError`."""
    with _OPEN_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = Image.open(fp)
        except Image.DecompressionBombError as err:
            # Above twice Pillow's own limit: refused before any pixel is decoded.
            raise ImageReadError(f"too large: {_one_line(err)}") from None
        except UnidentifiedImageError:
            raise ImageReadError("not an image (unrecognised format)") from None
        except (OSError, SyntaxError, ValueError, EOFError) as err:
            raise ImageReadError(f"corrupt image header: {_one_line(err)}") from None
    for w in caught:
        # Pillow's DecompressionBombWarning is superseded by our own, lower, limit.
        if not issubclass(w.category, Image.DecompressionBombWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return image


def _apply_orientation(image: Image.Image) -> Image.Image:
    """Applies the EXIF orientation tag; a malformed EXIF block leaves the image as stored."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - broken EXIF is common and never worth losing the photo
        return image


def _to_rgb_uint8(image: Image.Image) -> np.ndarray:
    """Converts any Pillow mode to RGB uint8; transparency is composited on white."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grayscale (e.g. 16-bit PNG): `convert("L")` would clip, not scale.
        values = np.asarray(image).astype(np.int64)
        if mode == "I" and values.max(initial=0) <= 255:
            gray = values.clip(0, 255).astype(np.uint8)
        else:
            gray = ((values.clip(0, 65535) + 128) // 257).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if mode == "F":
        values = np.asarray(image, dtype=np.float64)
        scale = 255.0 if values.max(initial=0.0) <= 1.0 else 1.0
        gray = np.rint(np.nan_to_num(values) * scale).clip(0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode in ("P", "L", "RGB") and "transparency" in image.info
    )
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3:] / 255.0
        rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)
        return np.rint(rgb).astype(np.uint8)
    if mode != "RGB":
        image = image.convert("RGB")  # L, 1, P, CMYK, YCbCr, LAB, HSV
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


def write_bytes_atomic(path: PathLike, data: bytes) -> None:
    """Writes `data` to `path` so that `path` is either absent/old or complete (`atomic_write.write_bytes`).

    Args:
        path: destination file; its folder is created if needed.
        data: the file contents.
    """
    atomic_write.write_bytes(path, data)


def encode_image(image: np.ndarray, ext: str = ".png") -> bytes:
    """Encodes an RGB (H, W, 3) or grayscale (H, W) uint8 array.

    Args:
        image: uint8 pixels, RGB channel order.
        ext: format by file extension: .png, .jpg/.jpeg, .bmp, .webp.

    Returns:
        The encoded bytes.
    """
    import cv2  # local: cv2 is heavy and not needed by the readers

    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected (H, W) or (H, W, 3) uint8. Received: shape={image.shape}, dtype={image.dtype}")
    ext = ext.lower()
    if ext not in (".png", ".jpg", ".jpeg", ".bmp", ".webp"):
        raise ValueError(f"unsupported image extension. Received: ext={ext!r}")
    if image.ndim == 3:
        image = image[..., ::-1]  # OpenCV encodes BGR
    params = [cv2.IMWRITE_PNG_COMPRESSION, 3] if ext == ".png" else []
    ok, buf = cv2.imencode(ext, np.ascontiguousarray(image), params)
    if not ok:
        raise ValueError(f"OpenCV failed to encode a {image.shape} image as {ext}")
    return buf.tobytes()


def write_image_atomic(path: PathLike, image: np.ndarray) -> None:
    """Encodes `image` in the format named by `path`'s extension and writes it atomically.

    Args:
        path: destination; the extension picks the format (.png, .jpg, .jpeg, .bmp, .webp).
        image: (H, W, 3) RGB or (H, W) grayscale uint8.
    """
    write_bytes_atomic(path, encode_image(image, os.path.splitext(os.fspath(path))[1]))


def is_image_file(name: str) -> bool:
    """Whether a file name has one of `IMAGE_EXTENSIONS` (case-insensitive)."""
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def list_images(folder: PathLike) -> list[str]:
    """Image files under `folder`, recursively, sorted, as paths relative to `folder` (POSIX '/').

    Hidden files and folders (names starting with '.') are ignored: they hold temporary files.

    Args:
        folder: the folder to walk.
    """
    folder = os.fspath(folder)
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.startswith(".") and is_image_file(name):
                rel = os.path.relpath(os.path.join(root, name), folder)
                found.append(rel.replace(os.sep, "/"))
    return sorted(found)
