"""The batch face-preprocessing job: a folder of photos -> aligned face crops (PNG or TFRecord).

The improved counterpart of the original's ``data_process.py``:

* a `tf.data` pipeline maps the per-photo work (read -> `FacePreprocessor.process` -> PNG
  encoding) in parallel, on this machine or on tf.data service workers (`service.py`);
* the client (this process) is the only writer: it writes outputs atomically and appends one
  manifest record per photo (`manifest.py`), so a killed job resumes where it stopped;
* a bad photo gets a one-line reason in the manifest and never stops the job.

Why a named Python op: `tf.numpy_function` registers its callable under a per-process counter
token ("pyfunc_7") that a tf.data service worker *process* cannot resolve. Here the callable is
registered under a fixed token, `PROCESS_TOKEN`, in every process that runs the work (this one
for local runs; each worker at start-up, see `service.start_worker`), and the graph calls
`tf.raw_ops.PyFunc` with that token. The job's options travel in the graph as a JSON string, so
workers need no per-job configuration.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import os
import queue
import threading
import time
import uuid
from typing import Any, Callable, Iterator, Optional, Sequence

import numpy as np

from tf_p2c import image_io
from tf_p2c.atomic_write import TEMP_NAME_RE
from tf_p2c.data import manifest as manifest_lib
from tf_p2c.data.outputs import PngOutputs, TFRecordOutputs, output_stems

log = logging.getLogger(__name__)

PROCESS_TOKEN = "tf_p2c.data.preprocess_file.v1"
JOB_FILE = "job.json"
FORMATS = ("png", "tfrecord")
DEFAULT_FACTORY = "tf_p2c.face.preprocessor:FacePreprocessor"
FACTORY_ALLOWLIST_ENV = "TF_P2C_PREPROCESSOR_FACTORIES"


class JobError(ValueError):
    """Bad job arguments or an unusable save folder (the CLI exits with status 2)."""


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
            raise JobError(f"preprocessor factory {self.factory!r} is not allowed (set {FACTORY_ALLOWLIST_ENV})")
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


class PreprocessorSetupError(RuntimeError):
    """The face preprocessor cannot be built: every photo would fail, so the job stops."""


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
        mask_png = image_io.encode_image(np.rint(np.clip(mask, 0.0, 1.0) * 255.0).astype(np.uint8), ".png")
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


_POOL = PreprocessorPool()
_REGISTERED: dict[str, Callable] = {}  # strong refs: TF's registry holds weak ones


def _process_numpy(path: bytes, rel: bytes, options_json: bytes) -> list[np.ndarray]:
    """The registered op body: bytes in, fixed-dtype numpy arrays out (see `process_op`)."""
    options = FaceOptions.from_json(options_json.decode("utf-8"))
    rel_s = rel.decode("utf-8")
    result = _POOL.run(options, lambda pre: process_photo(path.decode("utf-8"), rel_s, options, pre))
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
    from tensorflow.python.ops import script_ops  # no public API registers a fixed token

    _REGISTERED[PROCESS_TOKEN] = _process_numpy
    script_ops._py_funcs._funcs[PROCESS_TOKEN] = _process_numpy  # noqa: SLF001


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


def build_dataset(
    paths: Sequence[str],
    rels: Sequence[str],
    options: FaceOptions,
    workers: int,
    dispatcher: Optional[str] = None,
):
    """The job's `tf.data` pipeline: file names -> processed results.

    Args:
        paths: files to process (as the workers see them).
        rels: their names relative to the data folder.
        options: job options.
        workers: parallel calls per process (locally; on each service worker too).
        dispatcher: "HOST:PORT" of a tf.data service dispatcher, or None to run here.

    Returns:
        A dataset of `process_op` dicts, in completion order (not input order).
    """
    import tensorflow as tf

    options_json = options.to_json()
    ds = tf.data.Dataset.from_tensor_slices((list(paths), list(rels)))
    ds = ds.map(
        lambda p, r: process_op(p, r, tf.constant(options_json)),
        num_parallel_calls=max(1, workers),
        deterministic=False,  # the manifest is keyed by input; order does not matter
    )
    if dispatcher:
        from tf_p2c.data import service

        # Each file exactly once across workers: dynamic splits of the file list
        # ("distributed_epoch"), not "parallel_epochs" where every worker does every file.
        ds = service.distribute(ds, dispatcher)
    else:
        register_process_function()
    return ds.prefetch(max(1, workers))


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


# ----------------------------------------------------------------------------- the job


@dataclasses.dataclass
class JobConfig:
    """Arguments of `run_preprocess`.

    Args:
        data_path: folder of photos (walked recursively).
        save_path: output folder (PNG tree or TFRecord shards, plus manifest.jsonl, job.json).
        face: per-photo options.
        format: "png" or "tfrecord".
        shards: TFRecord shards per run.
        workers: parallel calls (default: CPU count).
        dispatcher: "HOST:PORT" of a tf.data service dispatcher, or None to run locally.
        processes: > 1 runs the work in that many local worker processes (children of this
            one, connected by pipes; see `local_workers`) instead of threads of this process.
        mask_path: PNG format only: also write masks under this folder.
        progress: show a tqdm progress bar.
    """

    data_path: str
    save_path: str
    face: FaceOptions = dataclasses.field(default_factory=FaceOptions)
    format: str = "png"
    shards: int = 1
    workers: Optional[int] = None
    dispatcher: Optional[str] = None
    processes: int = 1
    mask_path: Optional[str] = None
    progress: bool = True


@dataclasses.dataclass
class JobSummary:
    """Counts of a finished run (``skipped`` = finished by an earlier run)."""

    total: int = 0
    ok: int = 0
    no_face: int = 0
    error: int = 0
    skipped: int = 0
    faces: int = 0
    seconds: float = 0.0

    def line(self, manifest_path: str) -> str:
        text = (f"preprocess: {self.total} photos: {self.ok} ok ({self.faces} faces), {self.no_face} no face, "
                f"{self.error} failed, {self.skipped} already done; {self.seconds:.1f} s")
        if self.error:
            text += f". Failed photos are listed with status \"error\" in {manifest_path}; rerun to retry them"
        return text


def _validate(config: JobConfig) -> None:
    if not os.path.isdir(config.data_path):
        raise JobError(f"--data_path {config.data_path!r} is not a folder")
    if config.format not in FORMATS:
        raise JobError(f"--format must be one of {FORMATS}, not {config.format!r}")
    if config.shards < 1:
        raise JobError(f"--shards must be >= 1, not {config.shards}")
    if config.processes < 1:
        raise JobError(f"--processes must be >= 1, not {config.processes}")
    if config.processes > 1 and config.dispatcher:
        raise JobError("--processes starts its own local workers; it cannot be combined with --dispatcher")
    if config.workers is not None and config.workers < 1:
        raise JobError(f"--workers must be >= 1, not {config.workers}")
    if config.mask_path and config.format != "png":
        raise JobError("--mask-path applies to --format png only (TFRecords always hold the mask)")
    seg = config.face.seg_model_path
    if seg and not config.dispatcher and not os.path.isfile(seg):
        raise JobError(f"--seg-model {seg!r} is not a file")
    if config.face.segmenter == "original" and not seg:
        raise JobError("--segmenter original needs --seg-model PATH (the original's seg_model_384.pb)")
    _check_output_folders(config)


def _is_within(path: str, folder: str) -> bool:
    """Whether real path `path` is `folder` or below it."""
    return os.path.commonpath([path, folder]) == folder


def _check_output_folders(config: JobConfig) -> None:
    """Refuses output folders where an output could land on an input, or that are not folders.

    Outputs mirror the input names under the output folder, so an output folder equal to the
    data folder, or holding it, can write over photos. One inside the data folder cannot: its
    contents are never inputs (`_list_inputs`). Compared as real paths, so symlinks do not hide
    an overlap.
    """
    data = os.path.realpath(config.data_path)
    outputs = [("--save_path", config.save_path)] + ([("--mask-path", config.mask_path)] if config.mask_path else [])
    for flag, folder in outputs:
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise JobError(f"{flag} {folder!r} exists and is not a folder")
        real = os.path.realpath(folder)
        if real == data:
            raise JobError(f"{flag} {folder!r} is the --data_path folder: outputs would replace the photos")
        if _is_within(data, real):
            raise JobError(f"{flag} {folder!r} contains the --data_path folder: outputs could replace photos")
    if config.mask_path and os.path.realpath(config.mask_path) == os.path.realpath(config.save_path):
        raise JobError(f"--mask-path {config.mask_path!r} is the --save_path folder: masks would replace the crops")


def _job_settings(config: JobConfig) -> dict:
    """The settings that shape finished outputs (limits such as max_pixels do not)."""
    face = json.loads(config.face.to_json())
    face.pop("max_pixels", None)
    face.pop("min_side", None)
    return {"face": face, "format": config.format, "masks": bool(config.mask_path)}


def _check_job_file(save_path: str, settings: dict, has_outputs: bool) -> None:
    """Refuses to mix outputs made with different settings in one save folder.

    Args:
        save_path: output folder.
        settings: from `_job_settings`.
        has_outputs: whether earlier runs finished any photo (else old settings do not matter).
    """
    path = os.path.join(save_path, JOB_FILE)
    if not (has_outputs and os.path.exists(path)):
        return
    with open(path, encoding="utf-8") as f:
        previous = json.load(f)
    if previous != settings:
        changed = sorted(k for k in set(previous) | set(settings) if previous.get(k) != settings.get(k))
        raise JobError(f"{save_path} holds outputs made with other settings ({', '.join(changed)}: see "
                       f"{path}); use another --save_path")


def _remove_stale_temps(folder: str) -> None:
    """Deletes temp files a killed run left; safe because we hold the manifest lock."""
    for root, _, files in os.walk(folder):
        for name in files:
            if TEMP_NAME_RE.match(name):
                try:
                    os.unlink(os.path.join(root, name))
                except OSError:
                    pass


def _list_inputs(data_path: str, exclude: Sequence[str]) -> list[str]:
    rels = image_io.list_images(data_path)
    prefixes = []
    for folder in exclude:
        rel = os.path.relpath(os.path.realpath(folder), os.path.realpath(data_path)).replace(os.sep, "/")
        if not rel.startswith(".."):
            prefixes.append(rel.rstrip("/") + "/")  # outputs inside the input tree are not inputs
    return [r for r in rels if not any(r.startswith(p) for p in prefixes)]


def run_preprocess(config: JobConfig) -> JobSummary:
    """Runs (or resumes) the preprocessing job.

    Args:
        config: the job.

    Returns:
        Counts; per-photo failures are in the manifest, not exceptions.

    Raises:
        JobError: bad arguments, no photos, or a save folder made with other settings or in use.
        PreprocessorSetupError: the face preprocessor cannot be built (wraps into the dataset's
            error when raised on a worker).
    """
    started = time.monotonic()
    _validate(config)
    rels = _list_inputs(config.data_path, [config.save_path] + ([config.mask_path] if config.mask_path else []))
    if not rels:
        raise JobError(f"no images ({', '.join(image_io.IMAGE_EXTENSIONS)}) under {config.data_path}")
    try:
        os.makedirs(config.save_path, exist_ok=True)
    except OSError as err:
        raise JobError(f"--save_path {config.save_path!r}: cannot create the folder: {err.strerror or err}") from None
    manifest_path = os.path.join(config.save_path, manifest_lib.MANIFEST_NAME)
    try:
        writer = manifest_lib.ManifestWriter(manifest_path)
    except RuntimeError as err:
        raise JobError(str(err)) from None
    summary = JobSummary(total=len(rels))
    with writer:
        records = manifest_lib.read_manifest(manifest_path)
        settings = _job_settings(config)
        _check_job_file(config.save_path, settings, any(r.status != "error" for r in records.values()))
        _remove_stale_temps(config.save_path)
        done = manifest_lib.finished_inputs(records, config.save_path)
        pending = [r for r in rels if r not in done]
        if not config.dispatcher:
            _check_preprocessor(config.face)
        # Recorded only once the settings are known to work, so a failed first try binds nothing.
        image_io.write_bytes_atomic(os.path.join(config.save_path, JOB_FILE),
                                    (json.dumps(settings, indent=2, sort_keys=True) + "\n").encode())
        skipped = [manifest_lib.Record(r, "skipped", "finished by an earlier run", done[r].faces, done[r].outputs)
                   for r in rels if r in done]
        writer.write(skipped)
        summary.skipped = len(skipped)
        if pending:
            _process(config, pending, writer, summary)
    summary.seconds = time.monotonic() - started
    return summary


def _check_preprocessor(options: FaceOptions) -> None:
    """Builds one preprocessor up front so a bad backend/model fails before any photo does."""
    try:
        pre = options.make_preprocessor()
    except Exception as err:  # noqa: BLE001 - reported as a job argument problem
        raise JobError(" ".join(f"cannot build the face preprocessor: {type(err).__name__}: {err}".split())) from None
    del pre


def _process(config: JobConfig, pending: list[str], writer: manifest_lib.ManifestWriter,
             summary: JobSummary) -> None:
    from tqdm import tqdm

    # Threads per process; with worker processes, their cores are split between them.
    workers = config.workers or max(1, (os.cpu_count() or 1) // max(1, config.processes))
    stems = output_stems(pending)
    paths = [os.path.abspath(os.path.join(config.data_path, r)) for r in pending]
    if config.format == "png":
        outputs: Any = PngOutputs(config.save_path, stems, config.face.all_faces, config.mask_path)
    else:
        # Unique per run: a resumed run must never reuse (overwrite) an earlier run's shard name.
        run_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
        outputs = TFRecordOutputs(config.save_path, run_id, len(pending), config.shards, writer.write)
    seen: set[str] = set()
    wanted = set(pending)
    with tqdm(total=len(pending), unit="photo", disable=not config.progress, dynamic_ncols=True) as bar:
        for result in _results(config, paths, pending, workers):
            if result.input in seen or result.input not in wanted:
                log.warning("ignoring a duplicate result for %s", result.input)
                continue
            seen.add(result.input)
            try:
                records = outputs.add(result)
            except OSError as err:  # disk full, permissions: record it, keep going
                records = [manifest_lib.Record(result.input, "error", f"cannot write output: {err}", result.faces)]
                result.status = "error"
            writer.write(records)
            _count(summary, result)
            bar.update(1)
    writer.write(outputs.close())
    lost = [r for r in pending if r not in seen]
    if lost:
        # tf.data service gives no exactly-once guarantee when a worker dies mid-split.
        writer.write([manifest_lib.Record(r, "error", "no result came back from the workers; rerun to retry", -1)
                      for r in lost])
        summary.error += len(lost)


def _results(config: JobConfig, paths: list[str], pending: list[str], workers: int) -> Iterator[FileResult]:
    """Each pending photo's result, in completion order: local worker processes, or tf.data."""
    if config.processes > 1 and not config.dispatcher:
        from tf_p2c.data.local_workers import process_in_workers

        yield from process_in_workers(paths, pending, config.face, config.processes)
        return
    for element in _iterate(build_dataset(paths, pending, config.face, workers, config.dispatcher)):
        yield result_from_element(element)


def _iterate(dataset) -> Iterator[dict]:
    import tensorflow as tf

    try:
        yield from dataset.as_numpy_iterator()
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError, tf.errors.InternalError) as err:
        message = err.message or str(err)
        if "Could not find callback" in message and PROCESS_TOKEN in message:
            raise PreprocessorSetupError(
                "a tf.data service worker cannot run the per-photo function: start workers with "
                "`python -m tf_p2c data-service worker` from the same tf_p2c version") from None
        if "cannot build the face preprocessor" in message:
            first = next(ln for ln in message.splitlines() if "cannot build the face preprocessor" in ln)
            raise PreprocessorSetupError(first.strip()) from None
        raise


def _count(summary: JobSummary, result: FileResult) -> None:
    if result.status == "ok":
        summary.ok += 1
        summary.faces += len(result.crops)
    elif result.status == "no_face":
        summary.no_face += 1
    else:
        summary.error += 1
