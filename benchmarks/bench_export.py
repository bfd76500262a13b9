"""Every export format of the full-size generator: size, quality and LiteRT vs ONNX Runtime speed.

    python benchmarks/bench_export.py [--weights W] [--reference-onnx R] [--threads 2] [--repeats 12]

Builds the released architecture (ngf=32, 256x256) with random weights (every rho / w_gamma /
w_beta drawn uniformly in [0, 1], as in DESIGN.md §3) unless `--weights` is given, runs
`tf_p2c.export.export_all` (thresholds reported, not enforced), then times every TFLite model
with LiteRT (XNNPACK, `--threads`) against ONNX Runtime on the reference ONNX in the same run,
interleaving rounds so that machine noise hits every contender alike, and the peak memory of
each runtime on its own (a fresh process that loads one model and runs it once; "+" is what
loading and running added to the bare process). The reference ONNX is
`--reference-onnx`, else the original architecture exported by PyTorch (as the official file
was made) when torch is installed, else the tf2onnx export. Prints sizes, PSNR, medians, the
ratios to ONNX Runtime, each model's latency as a multiple of its floor (`tf_p2c.export.floor`:
its MACs at the rate LiteRT reaches on one large convolution of its kind, timed in the same
rounds), the goals, and peak RSS. `bench_floor.py` adds the generator's own convolution shapes.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, os.path.join(REPO_ROOT, "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

GOALS = {"fp32_ratio": 0.8, "fastest_ratio": 0.5, "fp16_mb": 7.9, "int8_mb": 4.2}


def random_model(seed=0):
    import keras

    import tf_p2c
    from tf_p2c.models import build_generator

    keras.utils.set_random_seed(seed)
    model = build_generator(tf_p2c.ModelConfig())
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        if variable.name in ("rho", "w_gamma", "w_beta"):
            variable.assign(rng.uniform(0, 1, variable.shape).astype("float32"))
    return model


# Loads one model in a fresh interpreter process (no TensorFlow), runs it, prints its peak RSS.
# VmHWM, not ru_maxrss: a forked child inherits its parent's ru_maxrss, and exec keeps it.
_MEMORY_PROBE = """
import sys
import numpy as np
from tf_p2c import runtimes
def hwm_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
kind, path, size, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
before = hwm_mb()
run = runtimes.LiteRTRunner(path, threads) if kind == "litert" else runtimes.OnnxRunner(path, threads)
run(np.zeros((1, size, size, 3), np.float32))
print(before, hwm_mb())
"""


def peak_memory_mb(kind: str, path: str, size: int, threads: int) -> tuple[float, float]:
    """(peak RSS in MB of a process that loads and runs the model, of the same process before loading)."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, kind, path, str(size), str(threads)],
                         capture_output=True, text=True, check=True, env=env, timeout=600).stdout.split()
    return float(out[-1]), float(out[-2])


def reference_onnx(model, tmp: str, given: str | None) -> tuple[str | None, str]:
    """(path of the reference ONNX or None for the tf2onnx export of the model, its description).

    `given` if set, else the original architecture exported by PyTorch with the model's weights
    into `tmp` when torch is installed.
    """
    if given is not None:
        return given, "--reference-onnx"
    try:
        import torch  # noqa: F401
        from bench_generator import torch_reference_onnx
    except ImportError:
        return None, "tf2onnx export of the same weights"
    path = os.path.join(tmp, "reference.onnx")
    return path, torch_reference_onnx(model, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="generator weights (default: random, ngf=32, 256x256)")
    parser.add_argument("--reference-onnx", help="reference ONNX of the same generator")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--out-dir", help="keep the exported files here (default: a temporary folder)")
    parser.add_argument("--optimize-onnx-transposes", action="store_true",
                        help="run tf2onnx's transpose optimizer (minutes at this size)")
    args = parser.parse_args()

    import tf_p2c
    from tf_p2c import runtimes
    from tf_p2c.export import floor
    from tf_p2c.export.pipeline import FILES, TFLITE_VARIANTS, export_all

    model = tf_p2c.load_generator(args.weights) if args.weights else random_model()
    names = tuple(TFLITE_VARIANTS)
    with tempfile.TemporaryDirectory() as tmp:
        reference, source = reference_onnx(model, tmp, args.reference_onnx)
        out_dir = args.out_dir or os.path.join(tmp, "export")
        report = export_all(model, out_dir, reference_onnx=reference, num_threads=args.threads,
                            latency_repeats=3, enforce_thresholds=False, overwrite=True,
                            optimize_onnx_transposes=args.optimize_onnx_transposes,
                            log=lambda m: print(m, flush=True))
        reference_path = reference or os.path.join(out_dir, FILES["onnx"])
        runners = {"onnxruntime": runtimes.OnnxRunner(reference_path, args.threads)}
        flatbuffers = {}
        for name in names:
            with open(os.path.join(out_dir, FILES[name]), "rb") as handle:
                flatbuffers[name] = handle.read()
            runners[name] = runtimes.LiteRTRunner(flatbuffers[name], args.threads)
        from tf_p2c.export.calibration import sample_face_crops

        size = model.input_shape[1]
        memory = {"onnxruntime": peak_memory_mb("onnx", reference_path, size, args.threads)}
        for name in names:
            memory[name] = peak_memory_mb("litert", os.path.join(out_dir, FILES[name]), size, args.threads)
        x = sample_face_crops(size, count=1, start=8)[0][:1]
        runs = {name: (lambda run=run: run(x)) for name, run in runners.items()}
        floor_timers = floor.floor_timers(floor.FLOOR_KINDS, [floor.LARGE_CONV], args.threads)
        runs.update({label: timer.run for label, timer in floor_timers.items()})
        times = floor.interleaved_times_ms(runs, rounds=3, repeats=max(2, args.repeats // 3))

    floors = floor.floors_from_times(times, {kind: [floor.LARGE_CONV] for kind in floor.FLOOR_KINDS})
    medians = {name: statistics.median(times[name]) for name in runners}
    base = medians["onnxruntime"]
    speed = floor.speed_rows(flatbuffers, medians, floors, base)
    formats = report["formats"]
    print(f"\nreference ONNX: {source}; Keras vs reference max abs {report['reference']['vs_keras']['max_abs_diff']:.2e}")
    print(f"generator 256x256 ngf={report['model']['ngf']} batch 1, {args.threads} threads, "
          f"median of {args.repeats} runs (3 interleaved rounds), quality on {report['evaluation_images']}:")
    for line in floor.describe_floors(floors):
        print("  " + line)
    def mem(name):
        peak, start = memory[name]
        return f"peak RSS {peak:5.0f} MB (+{peak - start:4.0f})"

    print(f"  {'onnxruntime':<14} {'':>8}  {'':>33}  {base:8.1f} ms  {'':>8}  1.00x ONNX Runtime  {mem('onnxruntime')}")
    for name in names:
        row = formats[name]
        print(f"  {name:<14} {row['size_bytes'] / 1e6:6.2f} MB  PSNR {row['vs_keras']['psnr_db']:5.1f} dB "
              f"(max {row['vs_keras']['max_abs_diff']:.1e})  {medians[name]:8.1f} ms  "
              f"{speed[name]['x_floor']:4.2f}x floor  {speed[name]['x_reference']:4.2f}x ONNX Runtime  "
              f"{mem(name)}  {row['status']}")
    ratios = {name: speed[name]["x_reference"] for name in names}
    fastest = min(ratios, key=ratios.get)
    goals = [
        ("fp32 <= 0.8x ONNX Runtime", ratios["fp32"] <= GOALS["fp32_ratio"], f"{ratios['fp32']:.2f}x"),
        ("fastest <= 0.5x", ratios[fastest] <= GOALS["fastest_ratio"], f"{fastest} {ratios[fastest]:.2f}x"),
        ("fp16 <= 7.9 MB", formats["fp16"]["size_bytes"] / 1e6 <= GOALS["fp16_mb"], f"{formats['fp16']['size_bytes'] / 1e6:.2f} MB"),
        ("int8 <= 4.2 MB", formats["int8"]["size_bytes"] / 1e6 <= GOALS["int8_mb"], f"{formats['int8']['size_bytes'] / 1e6:.2f} MB"),
    ]
    for label, ok, value in goals:
        print(f"  goal {label:<28} {'met' if ok else 'MISSED':<7} {value}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
