"""Every TFLite format of the full-size generator against its compute floor and ONNX Runtime.

    python benchmarks/bench_floor.py [--weights W | --export-dir D] [--reference-onnx R]
        [--threads 2] [--rounds 3] [--repeats 4] [--json floor.json]

Exports every format (`tf_p2c.export.export_all`, thresholds reported, not enforced) of
`--weights` or of the released architecture with random weights (`bench_export.random_model`),
or reuses the folder `--export-dir` that an export wrote. Then builds single-convolution models
of each floor kind (`tf_p2c.export.floor`: a large convolution and the generator's MAC-heaviest
and most frequent shapes) and times, interleaved in rounds in this one process, every format,
every floor convolution and ONNX Runtime on the reference ONNX (`--reference-onnx`, else the
original architecture exported by PyTorch when torch is installed, else the tf2onnx export).

Prints per format: size, PSNR vs Keras (from the export's report), median latency, latency as a
multiple of its floor and of ONNX Runtime's, the peak RSS growth of a fresh process that loads
and runs it, and bounds on its activation memory (LiteRT does not report its arena); then the
goals, met or MISSED. `--json` writes every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, os.path.join(REPO_ROOT, "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench_export import peak_memory_mb, random_model, reference_onnx  # noqa: E402

def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def export(args, tmp: str) -> tuple[str, str | None, str]:
    """(export folder, reference ONNX path or None for the folder's own ONNX, its description)."""
    if args.export_dir:
        return args.export_dir, args.reference_onnx, "--reference-onnx" if args.reference_onnx else "the export folder's ONNX (tf2onnx)"
    import tf_p2c
    from tf_p2c.export.pipeline import export_all

    model = tf_p2c.load_generator(args.weights) if args.weights else random_model()
    reference, source = reference_onnx(model, tmp, args.reference_onnx)
    out_dir = args.out_dir or os.path.join(tmp, "export")
    export_all(model, out_dir, reference_onnx=reference, num_threads=args.threads, latency_repeats=1,
               enforce_thresholds=False, overwrite=True, log=log)
    return out_dir, reference, source


def check_export_dir(path: str) -> str | None:
    """A one-line reason `path` is not an export folder this benchmark can read, or None."""
    from tf_p2c.export.pipeline import FILES, REPORT_FILE, TFLITE_VARIANTS

    if not os.path.isdir(path):
        return f"--export-dir {path}: not a folder"
    missing = [FILES[name] for name in (*TFLITE_VARIANTS, "onnx") if not os.path.isfile(os.path.join(path, FILES[name]))]
    if not os.path.isfile(os.path.join(path, REPORT_FILE)):
        missing.append(REPORT_FILE)
    if missing:
        return f"--export-dir {path}: missing {', '.join(missing)} (write it with export_tflite.py)"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source_group = parser.add_mutually_exclusive_group()
    source_group.add_argument("--weights", help="generator weights (default: random, ngf=32, 256x256)")
    source_group.add_argument("--export-dir", help="an export folder to measure instead of exporting")
    parser.add_argument("--reference-onnx", help="reference ONNX of the same generator")
    parser.add_argument("--out-dir", help="keep the export here (default: a temporary folder)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--repeats", type=int, default=4, help="timed runs per contender and round")
    parser.add_argument("--json", help="write every figure to this JSON file")
    args = parser.parse_args()
    if args.export_dir and (reason := check_export_dir(args.export_dir)):
        parser.exit(2, f"bench_floor.py: {reason}\n")
    for flag, path in (("--weights", args.weights), ("--reference-onnx", args.reference_onnx)):
        if path and not os.path.isfile(path):
            parser.exit(2, f"bench_floor.py: {flag} {path}: no such file\n")
    if args.threads < 1 or args.rounds < 1 or args.repeats < 1:
        parser.exit(2, "bench_floor.py: --threads, --rounds and --repeats must be at least 1\n")

    from tf_p2c import runtimes
    from tf_p2c.atomic_write import write_bytes
    from tf_p2c.export import floor
    from tf_p2c.export.calibration import sample_face_crops
    from tf_p2c.export.pipeline import FILES, REPORT_FILE, TFLITE_VARIANTS

    with tempfile.TemporaryDirectory() as tmp:
        out_dir, reference, source = export(args, tmp)
        with open(os.path.join(out_dir, REPORT_FILE)) as handle:
            report = json.load(handle)
        reference_path = reference or os.path.join(out_dir, FILES["onnx"])
        paths = {name: os.path.join(out_dir, FILES[name]) for name in TFLITE_VARIANTS}
        flatbuffers = {name: pathlib.Path(path).read_bytes() for name, path in paths.items()}
        histogram = floor.conv_shape_histogram(flatbuffers["fp32"])
        shapes = floor.floor_shapes(flatbuffers["fp32"])
        runners = {"onnxruntime": runtimes.OnnxRunner(reference_path, args.threads)}
        runners.update({name: runtimes.LiteRTRunner(flatbuffers[name], args.threads) for name in TFLITE_VARIANTS})
        size = runners["fp32"].input_size
        log("peak memory of each model in a fresh process ...")
        memory = {"onnxruntime": peak_memory_mb("onnx", reference_path, size, args.threads)}
        memory.update({name: peak_memory_mb("litert", paths[name], size, args.threads) for name in TFLITE_VARIANTS})
        timers = floor.floor_timers(floor.FLOOR_KINDS, shapes, args.threads, log=log)
        x = sample_face_crops(size, count=1, start=8)[0][:1]
        runs = {name: (lambda run=run: run(x)) for name, run in runners.items()}
        runs.update({label: timer.run for label, timer in timers.items()})
        log(f"timing {len(runs)} contenders, {args.rounds} rounds of {args.repeats} runs ...")
        times = floor.interleaved_times_ms(runs, args.rounds, args.repeats, log=log)

    floors = floor.floors_from_times(times, {kind: shapes for kind in floor.FLOOR_KINDS})
    medians = {name: statistics.median(times[name]) for name in runners}
    base = medians["onnxruntime"]
    rows = floor.speed_rows(flatbuffers, medians, floors, base)
    for name, row in rows.items():
        exported = report["formats"][name]
        peak, start = memory[name]
        # report.json writes an infinite PSNR (identical images) as the string "inf".
        row.update(size_bytes=exported["size_bytes"], psnr_db=float(exported["vs_keras"]["psnr_db"]),
                   status=exported["status"], peak_rss_mb=peak, rss_growth_mb=peak - start,
                   activation_bytes=floor.activation_bytes(flatbuffers[name]))
    checks = floor.goal_checks(rows)

    print(f"\nreference ONNX: {source}; generator {size}x{size}, {rows['fp32']['macs'] / 1e9:.2f} GMAC, "
          f"{args.threads} threads, median of {args.rounds} interleaved rounds x {args.repeats} runs")
    print("most MAC-heavy convolution shapes (count, GMAC, share):")
    for entry in histogram[:8]:
        print(f"  {entry['count']:4d}  {entry['macs'] / 1e9:6.2f}  {entry['share']:6.1%}  {entry['shape'].label}")
    for line in floor.describe_floors(floors):
        print(line)
    print(f"{'format':<13}{'size':>9}{'PSNR':>9}{'latency':>11}{'x floor':>9}{'x ORT':>7}{'RSS +':>9}"
          f"{'act. peak':>11}{'act. sum':>10}  status")
    peak, start = memory["onnxruntime"]
    print(f"{'onnxruntime':<13}{'':>9}{'':>9}{base:>8.1f} ms{'':>9}{1.0:>6.2f}x{peak - start:>6.0f} MB")
    for name, row in rows.items():
        act = row["activation_bytes"]
        print(f"{name:<13}{row['size_bytes'] / 1e6:>6.2f} MB{row['psnr_db']:>6.1f} dB{row['latency_ms']:>8.1f} ms"
              f"{row['x_floor']:>8.2f}x{row['x_reference']:>6.2f}x{row['rss_growth_mb']:>6.0f} MB"
              f"{act['peak_live'] / 1e6:>8.1f} MB{act['total'] / 1e6:>7.0f} MB  {row['status']}")
    print("RSS + : peak resident growth of a fresh process loading and running the model once;"
          " act. peak / sum: live / total bytes of non-constant tensors (bounds on LiteRT's arena)")
    for label, ok, value in checks:
        print(f"goal {label:<40} {'met' if ok else 'MISSED':<7} {value}")

    if args.json:
        result = {
            "reference_onnx": source, "threads": args.threads, "rounds": args.rounds, "repeats": args.repeats,
            "onnxruntime": {"latency_ms": base, "peak_rss_mb": memory["onnxruntime"][0],
                            "rss_growth_mb": memory["onnxruntime"][0] - memory["onnxruntime"][1]},
            "floors": {kind: {"rate_macs_per_s": found.rate, "best_shape": found.best_shape, "rates": found.rates}
                       for kind, found in floors.items()},
            "histogram": [{"shape": entry["shape"].label, "count": entry["count"], "macs": entry["macs"]}
                          for entry in histogram],
            "formats": rows,
            "goals": [{"goal": label, "met": ok, "value": value} for label, ok, value in checks],
            "times_ms": times,
        }
        write_bytes(args.json, json.dumps(result, indent=2).encode("utf-8"))
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main()
