"""`export_all`: every export format of one generator, checked, reported, written atomically.

Everything is written into a temporary sibling directory of `out_dir` and renamed to
`out_dir` only when every format converted and passed its threshold, so an `out_dir` that
exists is always complete. With `overwrite` and an existing `out_dir`, only the files this
export writes replace their namesakes there (one rename each); anything else in it stays. No
input (weights, reference ONNX, calibration photos) may lie inside `out_dir`. Files:

    photo2cartoon_fp32.tflite  photo2cartoon_fp16.tflite  photo2cartoon_dynamic_int8.tflite
    photo2cartoon_int8.tflite  photo2cartoon_uint8.tflite  saved_model/  photo2cartoon.onnx
    photo2cartoon.json (metadata: I/O contract, model facts, per-file quantization)
    report.json  contact_sheet.png

Quality is measured on real preprocessed faces (FacePreprocessor crops of variants of the
bundled sample photo, different from the calibration crops) against the Keras model and
against a reference ONNX (`reference_onnx`, else the ONNX written here from the same weights).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tf_p2c import runtimes, scaling
from tf_p2c.atomic_write import dir_mode
from tf_p2c.export import parity
from tf_p2c.export.errors import ExportError
from tf_p2c.interrupt import deferred_sigint

# Every TFLite file: its quantization (`tflite.QUANT_TYPES`) and whether it takes and gives uint8.
TFLITE_VARIANTS = {"fp32": (None, False), "fp16": ("fp16", False), "dynamic_int8": ("dynamic_int8", False),
                   "int8": ("int8", False), "uint8": (None, True)}
# The float-input variants, all converted from one traced source (`tflite.write_conversion_source`).
TFLITE_QUANT = {name: quant for name, (quant, uint8_io) in TFLITE_VARIANTS.items() if not uint8_io}
FORMATS = ("fp32", "fp16", "dynamic_int8", "int8", "uint8", "savedmodel", "onnx")
FILES = {
    **{name: f"photo2cartoon_{name}.tflite" for name in ("fp32", "fp16", "dynamic_int8", "int8", "uint8")},
    "savedmodel": "saved_model",
    "onnx": "photo2cartoon.onnx",
}
METADATA_FILE = "photo2cartoon.json"
REPORT_FILE = "report.json"
CONTACT_SHEET = "contact_sheet.png"


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """Quality every export must reach against the Keras model (on [-1, 1] images).

    Args:
        fp32_max_abs: max abs difference of the float32 TFLite model.
        fp16_psnr_db, dynamic_int8_psnr_db, int8_psnr_db: minimum PSNR of the quantized models.
        uint8_max_lsb: max difference of the uint8 model's output from the quantized Keras
            output, in 8-bit steps.
        onnx_max_abs, savedmodel_max_abs: max abs difference of those exports.
    """

    fp32_max_abs: float = 5e-4
    fp16_psnr_db: float = 40.0
    dynamic_int8_psnr_db: float = 30.0
    int8_psnr_db: float = 28.0
    uint8_max_lsb: float = 2.0
    onnx_max_abs: float = 5e-4
    savedmodel_max_abs: float = 5e-4

    def check(self, name: str, row: dict) -> str | None:
        """A one-line failure for format `name`, or None when its metrics pass."""
        keras = row["vs_keras"]
        if name in ("fp32", "onnx", "savedmodel"):
            limit = getattr(self, f"{name}_max_abs")
            if not keras["max_abs_diff"] <= limit:
                return f"{name}: max abs diff vs Keras {keras['max_abs_diff']:.2e} > {limit:.0e}"
        elif name == "uint8":
            if not row["max_lsb_vs_keras"] <= self.uint8_max_lsb:
                return f"uint8: {row['max_lsb_vs_keras']:.0f} LSB from the quantized Keras output > {self.uint8_max_lsb:.0f}"
        else:
            limit = getattr(self, f"{name}_psnr_db")
            if not keras["psnr_db"] >= limit:
                return f"{name}: PSNR vs Keras {keras['psnr_db']:.1f} dB < {limit:.1f} dB"
        return None


@dataclasses.dataclass(frozen=True, eq=False)  # holds arrays and a model: compared by identity
class ExportPlan:
    """What `export_all` converts and measures, settled before the first conversion.

    Args:
        model: the Keras generator.
        source: its file's name (or "<keras model>"), for the report and metadata.
        formats: subset of `FORMATS`.
        thresholds: quality each format must reach.
        eval_images: (N, S, S, 3) face crops in [-1, 1] that every format is measured on.
        eval_source: where they come from, for the report.
        keras_images: the Keras model's images for `eval_images`.
        keras_run: the Keras model as a runner (for its latency).
        calib_images: crops calibrating the full-int8 model (None: no calibration folder and no int8).
        calib_source: where they come from.
        reference: (runner, images) of the reference ONNX, or None for the ONNX written here.
        reference_onnx: its path (None: the ONNX written here).
        num_threads: threads for LiteRT and ONNX Runtime.
        latency_repeats: timed runs per format.
        optimize_onnx_transposes: see `onnx.convert_onnx`.
        float_layers: generator layers whose convolutions stay float in the full-int8 model.
        log: progress messages.
    """

    model: Any
    source: str
    formats: tuple[str, ...]
    thresholds: Thresholds
    eval_images: np.ndarray
    eval_source: str
    keras_images: np.ndarray
    keras_run: Callable
    calib_images: np.ndarray | None
    calib_source: str | None
    reference: tuple | None
    reference_onnx: str | None
    num_threads: int
    latency_repeats: int
    optimize_onnx_transposes: bool
    float_layers: tuple[str, ...]
    log: Callable[[str], None]

    @property
    def metadata_extra(self) -> dict:
        return {"source_weights": self.source}


def _load_model(weights, img_size):
    if not isinstance(weights, (str, os.PathLike)):
        return weights, "<keras model>"
    from tf_p2c.network_files import WeightsError, load_generator

    try:
        return load_generator(weights, img_size=img_size), os.path.basename(os.fspath(weights))
    except (WeightsError, ValueError) as error:
        raise ExportError(f"cannot load weights {weights}: {str(error).splitlines()[0]}") from None


def _check_size(img_size):
    from tf_p2c.config import check_img_size

    if img_size is not None:
        try:
            check_img_size(img_size)
        except ValueError as error:
            raise ExportError(f"--img-size: {error}") from None


def _check_inputs_outside(out_dir, **inputs):
    """Refuses inputs inside the output folder: the export would write over them."""
    real_out = os.path.realpath(out_dir)
    for flag, path in inputs.items():
        if not isinstance(path, (str, os.PathLike)):
            continue
        real = os.path.realpath(os.fspath(path))
        if os.path.commonpath([real, real_out]) == real_out:
            raise ExportError(f"--{flag.replace('_', '-')} {path} lies inside the output folder {out_dir}; "
                              "choose an --out-dir that holds no input")


def _replace_outputs(staging, out_dir):
    """Moves every entry of `staging` into the existing `out_dir`, replacing its namesake (the
    old one is moved aside first, as `saved_model/` is a folder); nothing else is touched."""
    trash = tempfile.mkdtemp(prefix=".replaced-", dir=out_dir)
    try:
        for name in sorted(os.listdir(staging)):
            target = os.path.join(out_dir, name)
            if os.path.lexists(target):
                os.rename(target, os.path.join(trash, name))
            os.rename(os.path.join(staging, name), target)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _reference(reference_onnx, size, images, num_threads):
    """(runner, images) of the reference ONNX, checking that it fits the model's shapes."""
    if not os.path.isfile(reference_onnx):
        raise ExportError(f"reference ONNX {reference_onnx}: no such file")
    try:
        run = runtimes.OnnxRunner(os.fspath(reference_onnx), num_threads)
    except runtimes.RuntimeLoadError as error:
        raise ExportError(f"reference ONNX {reference_onnx}: {error}") from None
    wanted = ([1, 3, size, size], [1, size, size, 3])
    shape = [d if isinstance(d, int) else 1 for d in run.input_shape]
    if shape not in wanted:
        raise ExportError(f"reference ONNX {reference_onnx}: input shape {run.input_shape} does not match "
                          f"this {size}x{size} generator (expected [1, 3, {size}, {size}])")
    try:
        out = run(images)
    except Exception as error:  # noqa: BLE001 (ORT raises its own types for graph/shape failures)
        raise ExportError(f"reference ONNX {reference_onnx}: cannot run it: {str(error).splitlines()[0][:200]}") from None
    if out.shape != images.shape:
        raise ExportError(f"reference ONNX {reference_onnx}: output shape {out.shape[1:]} does not match "
                          f"this generator's {images.shape[1:]} (another architecture?)")
    return run, out


def _contact_sheet(path, images, columns: dict):
    from PIL import Image, ImageDraw

    n, size = len(images), images.shape[1]
    names = ["input", *columns]
    label = 14
    sheet = Image.new("RGB", (size * len(names), label + size * n), "white")
    draw = ImageDraw.Draw(sheet)
    for col, name in enumerate(names):
        draw.text((col * size + 2, 1), name[: max(4, size // 6)], fill=(0, 0, 0))
        column = images if name == "input" else columns[name]
        for row in range(n):
            tile = Image.fromarray(scaling.to_uint8(column[row]))
            sheet.paste(tile, (col * size, label + row * size))
    sheet.save(path)


def _format_table(report) -> str:
    header = (f"{'format':<14}{'size':>10}  {'max abs':>9}  {'mean abs':>9}  {'PSNR':>7}  "
              f"{'PSNR ref':>8}  {'latency':>9}  {'GMAC':>5}  {'x floor':>7}  status")
    lines = [header]
    for name, row in report["formats"].items():
        k, r = row["vs_keras"], row.get("vs_reference") or {}
        ref_psnr = r.get("psnr_db")
        ref_psnr = f"{ref_psnr:.1f}" if isinstance(ref_psnr, float) else str(ref_psnr)
        psnr = k["psnr_db"] if isinstance(k["psnr_db"], float) else float("inf")
        lines.append(
            f"{name:<14}{row['size_bytes'] / 1e6:>8.2f}MB  {k['max_abs_diff']:>9.2e}  {k['mean_abs_diff']:>9.2e}  "
            f"{psnr:>6.1f}  {ref_psnr:>8}  "
            f"{row['latency_ms']:>7.1f}ms  {_figure(row.get('macs'), 1e-9, 5, '.1f')}  "
            f"{_figure(row.get('x_floor'), 1, 6, '.2f')}{'x' if 'x_floor' in row else ' '}  {row['status']}")
    return "\n".join(lines)


def _figure(value, scale, width, spec):
    return f"{value * scale:>{width}{spec}}" if isinstance(value, (int, float)) else f"{'-':>{width}}"


def _dir_size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


def _finite(value):
    return value if isinstance(value, (int, str)) or value is None or math.isfinite(value) else str(value)


def _clean(obj):
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return _finite(obj)


def export_all(
    weights,
    out_dir,
    reference_onnx: str | None = None,
    calibration_dir: str | None = None,
    img_size: int | None = None,
    formats: Sequence[str] = FORMATS,
    thresholds: Thresholds = Thresholds(),
    num_threads: int = 2,
    latency_repeats: int = 5,
    eval_count: int = 4,
    overwrite: bool = False,
    enforce_thresholds: bool = True,
    optimize_onnx_transposes: bool = False,
    int8_float_layers: Sequence[str] | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Exports a generator to every format, checks each against Keras, writes a report.

    Args:
        weights: path of the weights (`.pt`, `.onnx`, `.keras`) or a Keras generator.
        out_dir: output directory (must not exist unless `overwrite`).
        reference_onnx: ONNX of the same generator (e.g. the official
            `photo2cartoon_weights.onnx`) to compare against; None uses the ONNX exported here.
        calibration_dir: photos whose face crops calibrate the full-int8 model; None uses
            crops of the bundled sample photo.
        img_size: input side (multiple of 16); None: the weights' (256 for light generators).
        formats: subset of `FORMATS`.
        thresholds: quality limits; any failure raises `ExportError` and leaves no `out_dir`.
        num_threads: threads for LiteRT and ONNX Runtime.
        latency_repeats: timed runs per format (median reported).
        eval_count: face crops (of sample variants 8..) used for the quality figures.
        overwrite: write into an existing `out_dir`, replacing only the files this export
            writes (the names above); other files there are kept.
        enforce_thresholds: False reports failures in the table and `report.json` (status
            `FAIL ...`) but still writes `out_dir` (benchmarks); True raises.
        optimize_onnx_transposes: run tf2onnx's transpose optimizer (see `onnx.convert_onnx`):
            3 to 6 minutes even for this graph; the default leaves the NHWC<->NCHW transposes to
            ONNX Runtime's own layout optimizer at session creation.
        int8_float_layers: generator layers whose convolutions stay float in the full-int8
            model; None: `tflite.FLOAT_LAYERS_IN_INT8`, () quantizes every convolution.
        log: where progress and the table go.

    Returns:
        The report dict (also written as `report.json`).
    """
    import time

    from tf_p2c.export import calibration, tflite

    start = time.perf_counter()
    log_ = log
    log = lambda message: log_(f"[{time.perf_counter() - start:6.1f}s] {message}")  # noqa: E731

    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ExportError(f"unknown format(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(FORMATS)}")
    _check_size(img_size)
    out_dir = os.path.abspath(os.fspath(out_dir))
    _check_inputs_outside(out_dir, weights=weights, reference_onnx=reference_onnx, calibration_dir=calibration_dir)
    if os.path.exists(out_dir) and not overwrite:
        raise ExportError(f"{out_dir} already exists (pass overwrite=True / --overwrite to replace it)")
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ExportError(f"{out_dir} exists and is not a folder")
    parent = os.path.dirname(out_dir)
    if not os.path.isdir(parent):
        raise ExportError(f"{parent}: parent directory of the output does not exist")
    if calibration_dir is not None and not os.path.isdir(calibration_dir):
        raise ExportError(f"calibration folder {calibration_dir}: not a directory")
    if reference_onnx is not None and not os.path.isfile(reference_onnx):
        raise ExportError(f"reference ONNX {reference_onnx}: no such file")

    model, source = _load_model(weights, img_size)
    size = model.input_shape[1]
    if img_size is not None and size != img_size:
        raise ExportError(f"the model takes {size}x{size} images, not --img-size {img_size}")
    float_layers = tuple(tflite.FLOAT_LAYERS_IN_INT8 if int8_float_layers is None else int8_float_layers)
    unknown = sorted(set(float_layers) - {layer.name for layer in model.layers})
    if unknown:
        raise ExportError(f"int8 float layers {', '.join(unknown)}: no such layer in the generator "
                          f"(e.g. {', '.join(tflite.FLOAT_LAYERS_IN_INT8)})")

    calib_images = calib_source = None
    if calibration_dir is not None:  # checked even without int8: a bad folder is a usage error
        calib_images, calib_source = calibration.crops_from_folder(calibration_dir, size)
    elif "int8" in formats:
        calib_images, calib_source = calibration.sample_face_crops(size, count=8)
    eval_images, eval_source = calibration.sample_face_crops(size, count=eval_count, start=8)
    reference = None
    if reference_onnx is not None:
        reference = _reference(reference_onnx, size, eval_images, num_threads)

    keras_run = runtimes.KerasRunner(model)
    keras_images = keras_run(eval_images)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}.tmp-", dir=parent)
    os.chmod(staging, dir_mode())  # it becomes the output folder: a plain mkdir's mode, not 0700
    scratch = tempfile.mkdtemp(prefix="p2c_export_")
    try:
        plan = ExportPlan(
            model=model, source=source, formats=tuple(formats), thresholds=thresholds,
            eval_images=eval_images, eval_source=eval_source, keras_images=keras_images, keras_run=keras_run,
            calib_images=calib_images, calib_source=calib_source, reference=reference, reference_onnx=reference_onnx,
            num_threads=num_threads, latency_repeats=latency_repeats,
            optimize_onnx_transposes=optimize_onnx_transposes, float_layers=float_layers, log=log)
        report = _export_into(staging, scratch, plan)
        failures = [row["status"][len("FAIL "):] for row in report["formats"].values() if row["status"] != "ok"]
        if failures and enforce_thresholds:
            raise ExportError("export failed its quality thresholds: " + "; ".join(failures))
        # Ctrl-C waits for the renames (no half-replaced output); once they are done, so is the export.
        with deferred_sigint(reraise=False):
            if os.path.exists(out_dir):
                _replace_outputs(staging, out_dir)
            else:
                os.rename(staging, out_dir)
        log(f"wrote {out_dir}")
        return report
    finally:
        with deferred_sigint():
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(scratch, ignore_errors=True)


def _write_tflite(plan: ExportPlan, name: str, path: str, source: str) -> tuple[bytes, dict]:
    """Converts TFLite variant `name` (`TFLITE_VARIANTS`) from `source` (`tflite.write_conversion_source`
    with the variant's input type), writes it to `path` with its metadata embedded; returns
    (flatbuffer, metadata)."""
    from tf_p2c.export import tflite

    quant, uint8_io = TFLITE_VARIANTS[name]
    plan.log(f"converting {name} ...")
    meta = tflite.model_metadata(plan.model, quant, uint8_io=uint8_io, extra=plan.metadata_extra)
    if quant == "int8":
        meta["calibration"] = plan.calib_source
        # Selective quantization: what stays float inside the int8 model.
        meta["float_in_int8"] = {"ops": list(tflite.FLOAT_OPS_IN_INT8), "layers": list(plan.float_layers)}
    flatbuffer = tflite.convert_tflite(plan.model, quant, plan.calib_images, uint8_io=uint8_io,
                                       float_layers=plan.float_layers, metadata=meta,
                                       saved_model_dir=source)
    with open(path, "wb") as handle:
        handle.write(flatbuffer)
    return flatbuffer, meta


def _export_into(staging: str, scratch: str, plan: ExportPlan) -> dict:
    """Writes every format of `plan` into `staging` (intermediate files into `scratch`), measures
    each, and writes the report, metadata and contact sheet there; returns the report."""
    from tf_p2c.export import floor, tflite
    from tf_p2c.export.onnx import export_onnx
    from tf_p2c.export.savedmodel import load_savedmodel_runner, save_signature

    model, formats, eval_images, keras_images, log = (plan.model, plan.formats, plan.eval_images,
                                                      plan.keras_images, plan.log)
    size = model.input_shape[1]
    outputs, rows, metadata_files, flatbuffers = {}, {}, {}, {}

    def path(name):
        return os.path.join(staging, FILES[name])

    def record(name, run, file_path):
        images = run(eval_images)
        outputs[name] = images
        rows[name] = {"file": FILES[name], "size_bytes": _dir_size(file_path),
                      "vs_keras": parity.compare(images, keras_images),
                      "latency_ms": parity.median_latency_ms(run, eval_images[0], plan.latency_repeats)}
        if name == "uint8":
            lsb = np.abs(scaling.to_uint8(images).astype(int) - scaling.to_uint8(keras_images).astype(int))
            rows[name]["max_lsb_vs_keras"] = int(lsb.max())
        log(f"  {name}: {rows[name]['size_bytes'] / 1e6:.2f} MB, PSNR vs Keras {rows[name]['vs_keras']['psnr_db']:.1f} dB")

    # One trace per input type, with the TFLite-friendly ops (same values, see
    # `tf_p2c.layers.lowering`): the float one is both the SavedModel (so that converting it to
    # TFLite elsewhere gives the graph of the files written here) and the source of its variants.
    traces = {}

    def traced(uint8_io):
        if uint8_io not in traces:
            log(f"tracing the {'uint8' if uint8_io else 'float'}-input model ...")
            traces[uint8_io] = tflite.trace_serving(model, uint8_io, tflite_ops=True)
        return traces[uint8_io]

    if "savedmodel" in formats:
        save_signature(traced(False), path("savedmodel"))
        record("savedmodel", _batch_runner(load_savedmodel_runner(path("savedmodel"))), path("savedmodel"))

    sources = {}  # one frozen source per input type, shared by its variants
    for name in (n for n in TFLITE_VARIANTS if n in formats):
        uint8_io = TFLITE_VARIANTS[name][1]
        if uint8_io not in sources:
            sources[uint8_io] = tflite.write_conversion_source(
                traced(uint8_io), os.path.join(scratch, f"tflite_source_{'uint8' if uint8_io else 'float'}"))
        flatbuffer, meta = _write_tflite(plan, name, path(name), sources[uint8_io])
        flatbuffers[name] = flatbuffer
        metadata_files[FILES[name]] = meta
        record(name, runtimes.LiteRTRunner(flatbuffer, plan.num_threads), path(name))
        if "float_in_int8" in meta:
            rows[name]["float_in_int8"] = meta["float_in_int8"]
    # Each TFLite file's MACs and latency over its floor (the MACs at the rate LiteRT reaches on one
    # large convolution of its kind): a few seconds, timed like the files (not interleaved with
    # them, so noisier than benchmarks/bench_floor.py).
    floors = {}
    if flatbuffers:
        log("timing the floor convolutions ...")
        floors = {kind: floor.measure_floor(kind, threads=plan.num_threads, rounds=1, repeats=plan.latency_repeats)
                  for kind in sorted({floor.floor_kind(name) for name in flatbuffers})}
    for name, speed in floor.speed_rows(flatbuffers, {n: rows[n]["latency_ms"] for n in flatbuffers}, floors).items():
        rows[name].update({key: speed[key] for key in ("macs", "floor_kind", "floor_ms", "x_floor")})

    reference = plan.reference
    onnx_path = path("onnx") if "onnx" in formats else None
    if "onnx" in formats or reference is None:
        log("converting ONNX (NCHW) ...")
        onnx_path = export_onnx(model, onnx_path or os.path.join(scratch, "photo2cartoon.onnx"),
                                optimize_transposes=plan.optimize_onnx_transposes)
    if "onnx" in formats:
        record("onnx", runtimes.OnnxRunner(onnx_path, plan.num_threads), onnx_path)
        metadata_files[FILES["onnx"]] = {"layout": "NCHW", "input": {"name": "input", "shape": [1, 3, size, size]},
                                         "outputs": ["output", "cam_logit", "heatmap"]}
    if reference is None:
        own = runtimes.OnnxRunner(onnx_path, plan.num_threads)
        reference = (own, own(eval_images))
    ref_run, ref_images = reference
    ref_latency = parity.median_latency_ms(ref_run, eval_images[0], plan.latency_repeats)
    keras_latency = parity.median_latency_ms(plan.keras_run, eval_images[0], plan.latency_repeats)

    for name, row in rows.items():
        row["vs_reference"] = parity.compare(outputs[name], ref_images)
        row["latency_vs_reference"] = row["latency_ms"] / ref_latency
        failure = plan.thresholds.check(name, row)
        row["status"] = "ok" if failure is None else f"FAIL {failure}"

    report = {
        "model": {"source": plan.source, **tflite.model_metadata(model, None)["model"]},
        "evaluation_images": plan.eval_source,
        "calibration_images": plan.calib_source,
        "reference": {"source": os.fspath(plan.reference_onnx) if plan.reference_onnx
                      else "ONNX export of the same weights",
                      "vs_keras": parity.compare(ref_images, keras_images), "latency_ms": ref_latency},
        "keras_latency_ms": keras_latency,
        "floors": {kind: {"rate_macs_per_s": found.rate, "shape": found.best_shape} for kind, found in floors.items()},
        "num_threads": plan.num_threads,
        "metrics_scale": "images in [-1, 1]; psnr_db with peak-to-peak 2 (= PSNR of the [0, 255] images)",
        "thresholds": dataclasses.asdict(plan.thresholds),
        "formats": {name: rows[name] for name in FORMATS if name in rows},
        "failures": [row["status"][len("FAIL "):] for row in rows.values() if row["status"] != "ok"],
    }
    report = _clean(report)
    with open(os.path.join(staging, REPORT_FILE), "w") as handle:
        json.dump(report, handle, indent=2)
    with open(os.path.join(staging, METADATA_FILE), "w") as handle:
        json.dump({"contract": tflite.model_metadata(model, None, extra=plan.metadata_extra), "files": metadata_files},
                  handle, indent=2, sort_keys=True)
    _contact_sheet(os.path.join(staging, CONTACT_SHEET), eval_images,
                   {"keras": keras_images, "reference": ref_images, **outputs})
    log("results (metrics vs Keras on [-1, 1] images; PSNR ref = vs the reference ONNX):\n" + _format_table(report))
    return report


def _batch_runner(signature_run):
    def run(images):
        return np.concatenate([signature_run(image[None])["image"] for image in np.asarray(images, np.float32)])

    return run
