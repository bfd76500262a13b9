"""The per-photo operation of the preprocessing job, and its graph op for tf.data.

`process_photo` reads one photo, finds, aligns and segments its faces and encodes the crops; it
runs in whichever process does the work: the job itself, a local worker process
(`local_workers`), or a tf.data service worker (`service`).

Why a named Python op: `tf.numpy_function` registers its callable under a per-process counter
token ("pyfunc_7") that a tf.data service worker *process* cannot resolve. Here the callable is
registered under a fixed token, `PROCESS_TOKEN`, in every process that runs the work (the job
for local runs; each worker at start-up through the set-up hook of `service.start_worker`), and
the graph calls `tf.raw_ops.PyFunc` with that token. The job's options travel in the graph as a
JSON string, so workers need no per-job configuration.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import queue
import threading
from typing import Any, Callable, Optional

import numpy as np

from tf_p2c import image_io
from tf_p2c.scaling import mask_to_uint8

# The token's text predates this module's name; workers of any version agree on it.
PROCESS_TOKEN = "tf_p2c.data.preprocess_file.v1"
DEFAULT_FACTORY = "tf_p2c.face.preprocessor:FacePreprocessor"
FACTORY_ALLOWLIST_ENV = "TF_P2C_PREPROCESSOR_FACTORIES"


class FactoryNotAllowedError(ValueError):
    """A preprocessor factory outside the allowlist (see `FaceOptions.make_preprocessor`)."""


class PreprocessorSetupError(RuntimeError):
    """The face preprocessor cannot be built: every photo would fail, so the job stops."""


@dataclasses.dataclass(frozen=True)
class FaceOptions:
    """What each worker needs to process a photo; serialised into the dataset graph.

    Args:
        backend: landmark backend, "mediapipe" or "dlib".
        segmenter: "default", "original", "none" (or any name the face package accepts).
        seg_model_path: the original's ``seg_model_384.pb`` for segmenter "original"; must be
            readable at this path on every worker.
        out_size: crop side in pixels.
        all_faces: keep every face (``name_face0.png``, ...) instead of only the largest.
        max_pixels: `image_io.read_image` size limit.
        min_side: `image_io.read_image` smallest side.
        factory: "module:callable" building the preprocessor from
            (backend, segmenter, seg_model_path, out_size); tests substitute a fake.
    """

    backend: str = "mediapipe"
    segmenter: str = "default"
    seg_model_path: Optional[str] = None
    out_size: int = 256
    all_faces: bool = False
    max_pixels: int = image_io.DEFAULT_MAX_PIXELS
    min_side: int = image_io.DEFAULT_MIN_SIDE
    factory: str = DEFAULT_FACTORY

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "FaceOptions":
        return cls(**json.loads(text))

    def make_preprocessor(self) -> Any:
        """Builds one face preprocessor (imports the factory's module on first use).

        The factory name arrives inside a dataset graph, which a tf.data service worker takes
        from any client: only the default, or factories listed in the environment variable
        `TF_P2C_PREPROCESSOR_FACTORIES` (comma-separated, e.g. a test's fake), are imported.
        """
        allowed = {DEFAULT_FACTORY, *filter(None, os.environ.get(FACTORY_ALLOWLIST_ENV, "").split(","))}
        if self.factory not in allowed:
            raise FactoryNotAllowedError(f"preprocessor factory {self.factory!r} is not allowed (set {FACTORY_ALLOWLIST_ENV})")
        module_name, _, attr = self.factory.partition(":")
        factory = getattr(importlib.import_module(module_name), attr)
        return factory(
            backend=self.backend,
            segmenter=self.segmenter,
            seg_model_path=self.seg_model_path,
            out_size=self.out_size,
        )


@dataclasses.dataclass
class FaceOutput:
    """One face of a processed photo, encoded for transport and storage.

    Args:
        image_png: PNG of the (S, S, 3) composited crop.
        mask_png: PNG of the (S, S) mask x 255.
        landmarks: (68, 2) float32 landmarks in crop pixels.
        matrix: (2, 3) float32 affine, photo pixels -> crop pixels.
        box: (4,) float32 face box as the preprocessor reports it.
        score: detector confidence.
    """

    image_png: bytes
    mask_png: bytes
    landmarks: np.ndarray
    matrix: np.ndarray
    box: np.ndarray
    score: float


@dataclasses.dataclass
class FileResult:
    """Outcome of one photo.

    Args:
        input: path relative to the data folder.
        status: "ok", "no_face" or "error".
        reason: one line ("" for a plain success).
        faces: faces found; -1 if the photo could not be read.
        crops: kept faces, largest first.
    """

    input: str
    status: str
    reason: str = ""
    faces: int = 0
    crops: list[FaceOutput] = dataclasses.field(default_factory=list)


def process_photo(path: str, rel: str, options: FaceOptions, preprocessor: Any) -> FileResult:
    """Reads one photo, finds, aligns and segments its faces, and encodes the crops.

    Never raises for a bad photo: the reason goes into the result.

    Args:
        path: file to read.
        rel: its name relative to the data folder (carried into the result).
        options: job options.
        preprocessor: an object with ``process(image, all_faces) -> list[FaceCrop]``.
    """
    try:
        image = image_io.read_image(path, max_pixels=options.max_pixels, min_side=options.min_side)
    except image_io.ImageReadError as err:
        return FileResult(rel, "error", str(err), faces=-1)
    try:
        # All faces are cropped even when only the largest is kept, so the record can say how
        # many there were through the public `process` interface; only multi-face photos pay.
        crops = preprocessor.process(image, all_faces=True)
        kept = crops if options.all_faces else crops[:1]
        outputs = [_encode_crop(c) for c in kept]
    except Exception as err:  # noqa: BLE001 - one photo must never stop the job
        reason = " ".join(f"face preprocessing failed: {type(err).__name__}: {err}".split())
        return FileResult(rel, "error", reason, faces=-1)
    n = len(crops)
    if n == 0:
        return FileResult(rel, "no_face", "no face found", faces=0)
    reason = ""
    if n > 1:
        reason = f"{n} faces found; " + ("kept all" if options.all_faces else "kept the largest")
    return FileResult(rel, "ok", reason, faces=n, crops=outputs)


def _encode_crop(crop: Any) -> FaceOutput:
    matrix = np.asarray(crop.matrix, np.float64).reshape(2, 3)
    points = np.asarray(crop.landmarks, np.float64).reshape(68, 2)
    in_crop = points @ matrix[:, :2].T + matrix[:, 2]
    mask = crop.mask
    mask_png = b""
    if mask is not None:
        mask_png = image_io.encode_image(mask_to_uint8(mask), ".png")
    return FaceOutput(
        image_png=image_io.encode_image(np.asarray(crop.image, np.uint8), ".png"),
        mask_png=mask_png,
        landmarks=in_crop.astype(np.float32),
        matrix=matrix.astype(np.float32),
        box=np.asarray(crop.box, np.float32).reshape(-1),
        score=float(crop.score),
    )


class PreprocessorPool:
    """Face preprocessors shared by the threads of a process, one per concurrent call.

    tf.data runs a parallel map on threads it picks per call, so a thread-local instance would
    multiply with the pool size; a free-list bounds the instances to the real concurrency.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: dict[str, queue.SimpleQueue] = {}

    def run(self, options: FaceOptions, fn: Callable[[Any], FileResult]) -> FileResult:
        """Calls ``fn(preprocessor)`` with an instance for `options` no other thread is using."""
        key = options.to_json()
        with self._lock:
            idle = self._idle.setdefault(key, queue.SimpleQueue())
        try:
            pre = idle.get_nowait()
        except queue.Empty:
            try:
                pre = options.make_preprocessor()
            except Exception as err:
                raise PreprocessorSetupError(
                    " ".join(f"cannot build the face preprocessor: {type(err).__name__}: {err}".split())
                ) from err
        try:
            return fn(pre)
        finally:
            idle.put(pre)


# One per process: the job, or each worker process.
POOL = PreprocessorPool()
_REGISTERED: dict[str, Callable] = {}  # strong refs: TF's registry holds weak ones


def _process_numpy(path: bytes, rel: bytes, options_json: bytes) -> list[np.ndarray]:
    """The registered op body: bytes in, fixed-dtype numpy arrays out (see `process_op`)."""
    options = FaceOptions.from_json(options_json.decode("utf-8"))
    rel_s = rel.decode("utf-8")
    result = POOL.run(options, lambda pre: process_photo(path.decode("utf-8"), rel_s, options, pre))
    crops = result.crops
    box_len = max((c.box.size for c in crops), default=4)
    return [
        np.array(rel, dtype=object),
        np.array(result.status.encode(), dtype=object),
        np.array(result.reason.encode("utf-8"), dtype=object),
        np.int32(result.faces),
        np.array([c.image_png for c in crops] or [], dtype=object).reshape(len(crops)),
        np.array([c.mask_png for c in crops] or [], dtype=object).reshape(len(crops)),
        np.array([c.landmarks for c in crops], np.float32).reshape(len(crops), 68, 2),
        np.array([c.matrix for c in crops], np.float32).reshape(len(crops), 2, 3),
        np.array([np.resize(c.box, box_len) for c in crops], np.float32).reshape(len(crops), box_len),
        np.array([c.score for c in crops], np.float32).reshape(len(crops)),
    ]


def register_process_function() -> None:
    """Registers the per-photo function under `PROCESS_TOKEN` in this process (idempotent).

    Every process that executes the job's map (this one for local runs, every tf.data service
    worker) must call it before the first element is produced.
    """
    from tf_p2c.tf_compat import register_py_func

    _REGISTERED[PROCESS_TOKEN] = _process_numpy
    register_py_func(PROCESS_TOKEN, _process_numpy)


_RESULT_KEYS = ("input", "status", "reason", "faces", "images", "masks", "landmarks", "matrices", "boxes", "scores")


def process_op(path, rel, options_json) -> dict:
    """Graph op running `process_photo` through the registered token.

    Args:
        path: scalar string tensor, the file to read (as seen by the worker).
        rel: scalar string tensor, its name relative to the data folder.
        options_json: scalar string tensor, `FaceOptions.to_json()`.

    Returns:
        Dict of tensors: input, status, reason (scalar strings), faces (int32), images, masks
        ([k] PNG strings), landmarks [k, 68, 2], matrices [k, 2, 3], boxes [k, B], scores [k].
    """
    import tensorflow as tf

    out = tf.raw_ops.PyFunc(
        input=[path, rel, options_json],
        token=PROCESS_TOKEN,
        Tout=[tf.string, tf.string, tf.string, tf.int32, tf.string, tf.string, tf.float32, tf.float32, tf.float32,
              tf.float32],
    )
    shapes = ([], [], [], [], [None], [None], [None, 68, 2], [None, 2, 3], [None, None], [None])
    for tensor, shape in zip(out, shapes):
        tensor.set_shape(shape)
    return dict(zip(_RESULT_KEYS, out))


def result_from_element(element: dict) -> FileResult:
    """Converts one dataset element (numpy) back to a `FileResult`."""
    k = len(element["images"])
    crops = [
        FaceOutput(
            image_png=bytes(element["images"][i]),
            mask_png=bytes(element["masks"][i]),
            landmarks=element["landmarks"][i],
            matrix=element["matrices"][i],
            box=element["boxes"][i],
            score=float(element["scores"][i]),
        )
        for i in range(k)
    ]
    return FileResult(
        input=element["input"].decode("utf-8"),
        status=element["status"].decode(),
        reason=element["reason"].decode("utf-8"),
        faces=int(element["faces"]),
        crops=crops,
    )
