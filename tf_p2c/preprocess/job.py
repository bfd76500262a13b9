"""The batch face-preprocessing job: a folder of photos -> aligned face crops (PNG or TFRecord).

The improved counterpart of the original's ``data_process.py``:

* a `tf.data` pipeline maps the per-photo work (`photo.process_photo`: read ->
  `FacePreprocessor.process` -> PNG encoding) in parallel, on this machine, in local worker
  processes (`local_workers.py`) or on tf.data service workers (`service.py`);
* the client (this process) is the only writer: it writes outputs atomically and appends one
  manifest record per photo (`manifest.py`), so a killed job resumes where it stopped;
* a bad photo gets a one-line reason in the manifest and never stops the job.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
import uuid
from typing import Any, Iterator, Optional, Sequence

from tf_p2c import image_io
from tf_p2c.atomic_write import TEMP_NAME_RE
from tf_p2c.preprocess import manifest as manifest_lib
from tf_p2c.preprocess.outputs import PngOutputs, TFRecordOutputs, output_stems
from tf_p2c.preprocess.photo import (
    PROCESS_TOKEN,
    FaceOptions,
    FileResult,
    PreprocessorSetupError,
    process_op,
    register_process_function,
    result_from_element,
)

log = logging.getLogger(__name__)

JOB_FILE = "job.json"
FORMATS = ("png", "tfrecord")


class JobError(ValueError):
    """Bad job arguments or an unusable save folder (the CLI exits with status 2)."""


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
        from tf_p2c.preprocess import service

        # Each file exactly once across workers: dynamic splits of the file list
        # ("distributed_epoch"), not "parallel_epochs" where every worker does every file.
        ds = service.distribute(ds, dispatcher)
    else:
        register_process_function()
    return ds.prefetch(max(1, workers))


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
        from tf_p2c.preprocess.local_workers import process_in_workers

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
