"""`Cartoonizer`: photo -> aligned face crops -> generator -> cartoons on white (-> photo).

The one pre/post-processing path shared by the command line, the Python API, the demo and
the export checks, whatever the runtime (Keras, LiteRT, ONNX Runtime).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from tf_p2c.cartoonize.paste_back import paste_back
from tf_p2c.scaling import from_uint8, to_uint8


@dataclasses.dataclass
class FaceCartoon:
    """One face of a photo.

    Args:
        crop: the `FaceCrop` (aligned image on white, raw crop, mask, landmarks, matrix).
        cartoon: (S, S, 3) uint8 RGB generator output composited on white by the mask.
        raw_cartoon: (S, S, 3) uint8 RGB generator output before compositing.
    """

    crop: object
    cartoon: np.ndarray
    raw_cartoon: np.ndarray


@dataclasses.dataclass
class CartoonResult:
    """Everything `Cartoonizer.cartoonize` made of one photo (faces largest first)."""

    faces: list
    pasted: np.ndarray | None
    timings_ms: dict


def to_generator_input(face_image: np.ndarray) -> np.ndarray:
    """(S, S, 3) uint8 RGB -> (1, S, S, 3) float32 in [-1, 1], as the original's x/127.5 - 1."""
    return from_uint8(face_image[None])


def composite_on_white(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    alpha = mask.astype(np.float32)[..., None]
    return np.clip(image.astype(np.float32) * alpha + 255.0 * (1.0 - alpha) + 0.5, 0, 255).astype(np.uint8)


class Cartoonizer:
    """Cartoonizes portraits with any generator runtime.

    Args:
        runner: a `tf_p2c.runtimes.Runner` (float NHWC [-1, 1] batch -> generated batch, `input_size`).
        preprocessor: a `tf_p2c.face.preprocessor.FacePreprocessor` (default: MediaPipe
            landmarks and the default segmenter) whose `out_size` matches the generator input.

    Example:
        >>> from tf_p2c.runtimes import make_runner
        >>> cartoonizer = Cartoonizer(make_runner("tflite", "exports/photo2cartoon_fp32.tflite"))
        >>> result = cartoonizer.cartoonize(read_image("me.jpg"), paste_back=True)
        >>> result.faces[0].cartoon.shape
        (256, 256, 3)
    """

    def __init__(self, runner, preprocessor=None):
        if preprocessor is None:
            from tf_p2c.face.preprocessor import FacePreprocessor

            preprocessor = FacePreprocessor(out_size=runner.input_size)
        size = runner.input_size
        if size != preprocessor.out_size:
            raise ValueError(f"the generator takes {size}x{size} inputs but faces are cropped to {preprocessor.out_size}")
        self.runner = runner
        self.preprocessor = preprocessor

    def cartoonize_crop(self, crop) -> FaceCartoon:
        """Runs the generator on one aligned crop and composites the result on white."""
        raw = to_uint8(self.runner(to_generator_input(crop.image))[0])
        return FaceCartoon(crop=crop, cartoon=composite_on_white(raw, crop.mask), raw_cartoon=raw)

    def cartoonize(self, image: np.ndarray, all_faces: bool = False, paste_back: bool = False,
                   feather: int = 4) -> CartoonResult:
        """Cartoonizes the largest face (or every face) of an RGB uint8 photo.

        Args:
            image: (H, W, 3) uint8 RGB.
            all_faces: every face instead of the largest only.
            paste_back: also blend the cartoon faces back into the photo.
            feather: paste-back edge softening in crop pixels.

        Returns:
            A `CartoonResult`; `faces` is empty when no face was found.
        """
        timings = {}
        start = time.perf_counter()
        crops = self.preprocessor.process(image, all_faces=all_faces)
        timings["preprocess"] = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        faces = [self.cartoonize_crop(crop) for crop in crops]
        timings["generator"] = (time.perf_counter() - start) * 1000
        pasted = None
        if paste_back and faces:
            start = time.perf_counter()
            pasted = image
            # Smallest first, so a larger face overlapping a smaller one stays on top.
            for face in reversed(faces):
                pasted = _paste(pasted, face, feather)
            timings["paste_back"] = (time.perf_counter() - start) * 1000
        return CartoonResult(faces=faces, pasted=pasted, timings_ms=timings)


def _paste(photo, face: FaceCartoon, feather):
    return paste_back(photo, face.raw_cartoon, face.crop.mask, face.crop.matrix, feather)
