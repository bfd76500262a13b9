"""Portrait masks for the aligned crop: original TF1 model, MediaPipe selfie, GrabCut, none.

Every segmenter is called as ``segmenter(crop, points=None)`` with the (S, S, 3) uint8 RGB
aligned crop and, optionally, face points in crop pixels (the 468-point mesh when the
backend has one, else the 68 iBUG points), and returns an (S, S) float32 alpha in [0, 1].

* ``OriginalSegmenter``: the original photo2cartoon ``seg_model_384.pb`` (frozen TF1 graph,
  ``input_1:0`` 384x384 RGB/255 -> ``sigmoid/Sigmoid:0``), accepted by path.
* ``SelfieSegmenter``: MediaPipe's selfie segmentation (256x256, Apache-2.0), a 250 kB
  ``.tflite`` extracted at install time from the ``mediapipe`` wheel by
  ``python -m tf_p2c.face.install_models`` (never downloaded at run time).
* ``GrabCutSegmenter``: no model file: face oval from the landmarks as sure foreground,
  GrabCut on a small copy for hair and neck. Fallback when the selfie model is not installed.
* ``NoSegmenter``: alpha 1 everywhere (keep the photo's background).
"""

from __future__ import annotations

import os
import warnings

import cv2
import numpy as np

from tf_p2c.face import SEGMENTERS

ORIGINAL_INPUT = "input_1:0"
ORIGINAL_OUTPUT = "sigmoid/Sigmoid:0"
ORIGINAL_SIZE = 384
# Largest segmentation model file read (seg_model_384.pb is about 6 MB, the selfie model 250 kB).
MAX_MODEL_BYTES = 256 * 1024 * 1024


class SegmenterLoadError(ValueError):
    """A segmentation model file that cannot be used; the message is one line naming the file."""


def _read_model(path: str) -> bytes:
    from tf_p2c.image_io import ImageReadError, read_file

    try:
        return read_file(path, MAX_MODEL_BYTES)
    except ImageReadError as err:
        raise SegmenterLoadError(f"segmentation model {path}: {err}") from None


def _check_image_tensor(path: str, what: str, shape, dtype_ok: bool, channels: int) -> None:
    """A (batch, H, W, channels) float tensor, sizes open or fixed; else SegmenterLoadError."""
    dims = list(shape) if shape is not None else None
    if not dtype_ok or dims is None or len(dims) != 4 or dims[3] not in (None, -1, channels):
        raise SegmenterLoadError(
            f"segmentation model {path}: {what} has shape {dims}, expected a float (batch, H, W, {channels}) image")

SELFIE_FILE = "selfie_segmentation.tflite"
# sha256 of the file inside mediapipe-0.10.21's wheel; checked by the installer and the loader.
SELFIE_SHA256 = "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"
SELFIE_ENV = "TF_P2C_SELFIE_MODEL"  # overrides the installed location

# Face-mesh face oval, in order around the face (MediaPipe's FACE_OVAL vertex loop).
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
    377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)


def default_selfie_path() -> str:
    """Where ``install_models`` puts the selfie model (``$TF_P2C_SELFIE_MODEL`` overrides)."""
    env = os.environ.get(SELFIE_ENV)
    if env:
        return env
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets", SELFIE_FILE)


class NoSegmenter:
    """Alpha 1 everywhere: the crop keeps its own background."""

    name = "none"

    def __call__(self, crop: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
        return np.ones(crop.shape[:2], np.float32)


class OriginalSegmenter:
    """The original ``seg_model_384.pb`` loaded into TF2 from its frozen GraphDef.

    Args:
        model_path: path to the frozen graph (``seg_model_384.pb``).
        input_name: input tensor name.
        output_name: output tensor name (sigmoid probabilities, (1, 384, 384, 1)).

    Example:
        >>> seg = OriginalSegmenter("models/seg_model_384.pb")
        >>> alpha = seg(crop)   # (S, S) float32
    """

    name = "original"

    def __init__(
        self,
        model_path: str,
        input_name: str = ORIGINAL_INPUT,
        output_name: str = ORIGINAL_OUTPUT,
    ) -> None:
        import tensorflow as tf  # heavy; only this segmenter needs it

        if not os.path.isfile(model_path):
            raise FileNotFoundError(f"Segmentation graph not found: {model_path}")
        data = _read_model(model_path)
        graph_def = tf.compat.v1.GraphDef()
        try:
            graph_def.ParseFromString(data)
        except Exception:  # noqa: BLE001 - protobuf's DecodeError and friends
            raise SegmenterLoadError(
                f"segmentation model {model_path}: not a TensorFlow frozen graph (.pb), cannot parse it") from None

        def _import() -> None:
            tf.compat.v1.import_graph_def(graph_def, name="")

        # wrap_function turns the TF1 graph into a TF2 concrete function; prune keeps only
        # the path from the input placeholder to the mask.
        try:
            wrapped = tf.compat.v1.wrap_function(_import, [])
            feed = wrapped.graph.get_tensor_by_name(input_name)
            fetch = wrapped.graph.get_tensor_by_name(output_name)
        except Exception as err:  # noqa: BLE001 - a graph that parses but is not the model
            reason = " ".join(str(err).split())[:200]
            raise SegmenterLoadError(
                f"segmentation model {model_path}: no {input_name} -> {output_name} graph ({reason})") from None
        _check_image_tensor(model_path, f"input {input_name}", feed.shape.as_list() if feed.shape.rank else None,
                            feed.dtype == tf.float32, 3)
        _check_image_tensor(model_path, f"output {output_name}", fetch.shape.as_list() if fetch.shape.rank else None,
                            fetch.dtype.is_floating, 1)
        try:
            self._fn = wrapped.prune(feeds=feed, fetches=fetch)
        except Exception as err:  # noqa: BLE001 - the output does not depend on the input alone
            reason = " ".join(str(err).split())[:200]
            raise SegmenterLoadError(f"segmentation model {model_path}: cannot cut the graph ({reason})") from None
        self._tf = tf

    def __call__(self, crop: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
        h, w = crop.shape[:2]
        # Same input as the original: area resize to 384, RGB / 255.
        x = cv2.resize(crop, (ORIGINAL_SIZE, ORIGINAL_SIZE), interpolation=cv2.INTER_AREA)
        x = (x.astype(np.float32) / 255.0)[None]
        out = np.asarray(self._fn(self._tf.constant(x)))[0, :, :, 0]
        return np.clip(cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR), 0.0, 1.0)


class SelfieSegmenter:
    """MediaPipe selfie segmentation (general model, 256x256 input) run with ai-edge-litert.

    Args:
        model_path: the ``selfie_segmentation.tflite`` file (default: installed location).
        num_threads: LiteRT threads.

    Raises:
        FileNotFoundError: the model is not installed (the message gives the command).
    """

    name = "selfie"

    def __init__(self, model_path: str | None = None, num_threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        path = model_path or default_selfie_path()
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"MediaPipe selfie segmentation model not found at {path}. Install it once "
                "with: python -m tf_p2c.face.install_models"
            )
        self.model_path = path
        try:
            self._interp = Interpreter(model_content=_read_model(path), num_threads=num_threads)
            self._interp.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            reason = " ".join(str(err).split())[:200]
            raise SegmenterLoadError(f"segmentation model {path}: LiteRT cannot load it ({reason})") from None
        inputs, outputs = self._interp.get_input_details(), self._interp.get_output_details()
        if len(inputs) != 1 or not outputs:
            raise SegmenterLoadError(f"segmentation model {path}: {len(inputs)} inputs and {len(outputs)} outputs, "
                                     "expected one image in and a mask out")
        inp, out = inputs[0], outputs[0]
        _check_image_tensor(path, "input", inp["shape"].tolist(), inp["dtype"] == np.float32, 3)
        _check_image_tensor(path, "output", out["shape"].tolist(), out["dtype"] == np.float32, 1)
        if inp["shape"][1] != inp["shape"][2] or list(out["shape"][1:3]) != list(inp["shape"][1:3]):
            raise SegmenterLoadError(f"segmentation model {path}: input {inp['shape'].tolist()} and output "
                                     f"{out['shape'].tolist()}, expected a square image in and a mask of its size out")
        self._in, self._size = inp["index"], int(inp["shape"][1])
        self._out = out["index"]

    def __call__(self, crop: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
        h, w = crop.shape[:2]
        n = self._size
        x = crop if (h, w) == (n, n) else cv2.resize(crop, (n, n), interpolation=cv2.INTER_AREA)
        self._interp.set_tensor(self._in, (x.astype(np.float32) * (1.0 / 255.0))[None])
        self._interp.invoke()
        out = self._interp.get_tensor(self._out)[0, :, :, 0]
        if (h, w) != (n, n):
            out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
        return np.clip(out, 0.0, 1.0).astype(np.float32)


class GrabCutSegmenter:
    """Model-free head mask from face landmarks and GrabCut.

    The face oval (mesh oval, or iBUG jaw line closed over the raised brows) is sure
    foreground; an ellipse over the top of the head (hair) and a column under the chin
    (neck) are "probably foreground"; the crop's top rows and sides are sure background;
    GrabCut on a ``work_size`` copy settles the rest by colour. Without points, a fixed
    ellipse where the crop geometry puts the face is the only prior.

    Args:
        work_size: side of the copy GrabCut runs on (cost grows with its square).
        iterations: GrabCut iterations.
        feather: Gaussian blur sigma of the mask edge, in ``work_size`` pixels.
    """

    name = "grabcut"

    def __init__(self, work_size: int = 96, iterations: int = 2, feather: float = 1.0) -> None:
        self.work_size = work_size
        self.iterations = iterations
        self.feather = feather

    def __call__(self, crop: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
        h, w = crop.shape[:2]
        n = self.work_size
        k = n / w
        small = cv2.resize(crop, (n, n), interpolation=cv2.INTER_AREA)
        trimap = np.full((n, n), cv2.GC_PR_BGD, np.uint8)
        if points is None:
            # No points: the crop geometry puts the face in a known place; give an ellipse.
            cv2.ellipse(trimap, (n // 2, int(n * 0.52)), (int(n * 0.28), int(n * 0.36)), 0, 0, 360,
                        int(cv2.GC_PR_FGD), -1)
        else:
            oval_f = face_oval(points) * k
            oval = np.round(oval_f).astype(np.int32)
            lo, hi = oval_f.min(0), oval_f.max(0)
            fw, fh = hi - lo
            cx = (lo[0] + hi[0]) / 2
            # Hair: an ellipse over the top of the head, wider and taller than the oval.
            cv2.ellipse(trimap, (int(cx), int(lo[1] + 0.35 * fh)), (int(0.78 * fw), int(0.75 * fh)),
                        0, 0, 360, int(cv2.GC_PR_FGD), -1)
            # Neck: a column under the chin.
            cv2.rectangle(trimap, (int(cx - 0.28 * fw), int(hi[1] - 0.1 * fh)),
                          (int(cx + 0.28 * fw), n - 1), int(cv2.GC_PR_FGD), -1)
            cv2.fillPoly(trimap, [oval], int(cv2.GC_FGD))
        # The crop rule leaves 0.8 h above the brows, so the top rows and the side columns
        # are background; the bottom row is not (neck and shoulders reach it).
        trimap[: max(1, n // 32), :] = cv2.GC_BGD
        trimap[:, 0] = trimap[:, -1] = cv2.GC_BGD
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        try:
            # Channel order does not matter to GrabCut's colour models: RGB goes in as is.
            cv2.grabCut(small, trimap, None, bgd, fgd, self.iterations, cv2.GC_INIT_WITH_MASK)
        except cv2.error:  # degenerate colour models (e.g. a flat image): keep the trimap
            pass
        alpha = np.isin(trimap, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
        if self.feather > 0:
            alpha = cv2.GaussianBlur(alpha, (0, 0), self.feather)
        return cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)


def face_oval(points: np.ndarray) -> np.ndarray:
    """Closed face outline from a 468-point mesh or 68 iBUG points.

    Args:
        points: (468, 2) mesh or (68, 2) iBUG points.

    Returns:
        (K, 2) float64 polygon. For iBUG points: the jaw (0-16) then the brows (26..17)
        raised by a third of the brow-to-chin height, as the forehead has no iBUG points.
    """
    pts = np.asarray(points, np.float64)[:, :2]
    if len(pts) >= 468:
        return pts[list(FACE_OVAL)]
    if len(pts) != 68:
        raise ValueError(f"points must be a 468-point mesh or 68 iBUG points. Received: {len(pts)}")
    brows = pts[26:16:-1].copy()
    brows[:, 1] -= (pts[8, 1] - pts[17:27, 1].mean()) / 3.0
    return np.concatenate([pts[0:17], brows], axis=0)


def make_segmenter(
    kind: str = "default", seg_model_path: str | None = None, num_threads: int = 1
):
    """Builds a segmenter by name.

    Args:
        kind: ``"default"`` (selfie model if installed, else ``"grabcut"`` with a warning),
            ``"selfie"``, ``"grabcut"``, ``"original"`` (needs ``seg_model_path``) or ``"none"``.
        seg_model_path: model file for ``"original"`` (or ``"selfie"``, optional).
        num_threads: threads for model-based segmenters.

    Raises:
        ValueError: unknown kind, or ``"original"`` without a path.
    """
    if kind == "none":
        return NoSegmenter()
    if kind == "original":
        if not seg_model_path:
            raise ValueError("segmenter='original' needs seg_model_path to seg_model_384.pb.")
        return OriginalSegmenter(seg_model_path)
    if kind == "selfie":
        return SelfieSegmenter(seg_model_path, num_threads=num_threads)
    if kind == "grabcut":
        return GrabCutSegmenter()
    if kind == "default":
        path = seg_model_path or default_selfie_path()
        if os.path.isfile(path):
            return SelfieSegmenter(path, num_threads=num_threads)
        warnings.warn(
            f"Selfie segmentation model not installed ({path}); using the model-free 'grabcut' "
            "segmenter. Install it with: python -m tf_p2c.face.install_models",
            stacklevel=2,
        )
        return GrabCutSegmenter()
    raise ValueError(f"segmenter must be one of {', '.join(SEGMENTERS)}. Received: segmenter={kind!r}")
