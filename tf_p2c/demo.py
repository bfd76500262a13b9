"""`python -m tf_p2c demo`: the bundled sample portrait through every runtime.

Runs one `Cartoonizer` (align, crop, segment, generator, composite, paste-back) with the
generator on Keras, LiteRT (an fp32 TFLite converted on the spot) and ONNX Runtime (the
`.onnx` weights file itself, or an export of the same weights), and writes `demo_out/` with
the images, a parity table against Keras, timings and an `index.html` showing them.
Weights come from `--weights` or `models/`; without any, the generator is untrained and the
command says so.
"""

from __future__ import annotations

import html
import json
import os
import tempfile

import numpy as np

from tf_p2c.assets import SAMPLE_PHOTO as SAMPLE


def register(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="cartoonize the bundled sample portrait into demo_out/")
    demo.add_argument("--weights", default=None, help="weights file (default: the first found in --models-dir)")
    demo.add_argument("--models-dir", default="models")
    demo.add_argument("--image", default=SAMPLE, help="portrait to use (default: the bundled sample)")
    demo.add_argument("--out", default="demo_out")
    demo.add_argument("--threads", type=int, default=2)
    demo.set_defaults(func=run_demo)


def _generator(weights):
    from tf_p2c.network_files import load_generator

    if weights:
        return load_generator(weights), weights
    from tf_p2c.models import UNTRAINED_WARNING, build_untrained_generator

    print(UNTRAINED_WARNING)
    return build_untrained_generator(), "untrained generator (random weights)"


def _runners(model, weights, threads, scratch):
    from tf_p2c.export.onnx import export_onnx
    from tf_p2c.export.tflite import convert_tflite
    from tf_p2c.runtimes import KerasRunner, LiteRTRunner, OnnxRunner

    print("converting the generator to TFLite (fp32) ...", flush=True)
    runners = {"keras": KerasRunner(model), "tflite": LiteRTRunner(convert_tflite(model), threads)}
    if weights and weights.lower().endswith(".onnx"):
        onnx_path, onnx_label = weights, "the .onnx weights file"
    else:
        print("exporting the generator to ONNX ...", flush=True)
        onnx_path = export_onnx(model, os.path.join(scratch, "generator.onnx"), optimize_transposes=False)
        onnx_label = "an ONNX export of the same weights"
    runners["onnx"] = OnnxRunner(onnx_path, threads)
    return runners, onnx_label


def run_demo(args) -> int:
    from tf_p2c.cartoonize.pipeline import Cartoonizer, to_generator_input
    from tf_p2c.export.parity import median_latency_ms, psnr_db
    from tf_p2c.face.preprocessor import FacePreprocessor
    from tf_p2c.image_io import read_image, write_bytes_atomic, write_image_atomic
    from tf_p2c.scaling import mask_to_uint8
    from tf_p2c.network_files import find_weights

    weights = args.weights or find_weights(args.models_dir)
    model, label = _generator(weights)
    image = read_image(args.image)
    preprocessor = FacePreprocessor(out_size=model.input_shape[1])
    with tempfile.TemporaryDirectory() as scratch:
        runners, onnx_label = _runners(model, weights, args.threads, scratch)
        size = model.input_shape[1]
        for run in runners.values():  # trace / set up once, outside the timings
            run(np.zeros((1, size, size, 3), np.float32))
        results = {name: Cartoonizer(run, preprocessor).cartoonize(image, paste_back=True)
                   for name, run in runners.items()}
        if not results["keras"].faces:
            print(f"no face found in {args.image}")
            return 3
        x = to_generator_input(results["keras"].faces[0].crop.image)
        generator_ms = {name: median_latency_ms(run, x[0], repeats=3) for name, run in runners.items()}

    face = results["keras"].faces[0]
    files = {"input.png": image, "aligned.png": face.crop.image,
             "mask.png": np.repeat(mask_to_uint8(face.crop.mask)[..., None], 3, axis=-1),
             "pasted.png": results["keras"].pasted}
    for name, result in results.items():
        files[f"cartoon_{name}.png"] = result.faces[0].cartoon
    os.makedirs(args.out, exist_ok=True)
    for name, array in files.items():
        write_image_atomic(os.path.join(args.out, name), array)

    reference = face.cartoon.astype(np.float64)
    table = {}
    for name, result in results.items():
        diff = np.abs(result.faces[0].cartoon.astype(np.float64) - reference)
        psnr = psnr_db(result.faces[0].cartoon, reference, peak_to_peak=255.0)
        table[name] = {"max_abs_diff_pixels": float(diff.max()), "mean_abs_diff_pixels": float(diff.mean()),
                       "psnr_db": None if np.isinf(psnr) else round(psnr, 2),
                       "generator_ms": round(generator_ms[name], 1),
                       "end_to_end_ms": round(sum(result.timings_ms.values()), 1)}
    summary = {"weights": label, "onnx": onnx_label, "backends": table}
    write_bytes_atomic(os.path.join(args.out, "report.json"), json.dumps(summary, indent=2).encode())
    write_bytes_atomic(os.path.join(args.out, "index.html"), _page(summary, list(results)).encode("utf-8"))
    print(f"weights: {label}")
    for name, row in table.items():
        print(f"  {name:<7s} generator {row['generator_ms']:7.1f} ms, end to end {row['end_to_end_ms']:7.1f} ms, "
              f"max abs diff vs keras {row['max_abs_diff_pixels']:.0f} px levels")
    print(f"wrote {os.path.join(args.out, 'index.html')}")
    return 0


def _page(summary, backends):
    from tf_p2c.models import UNTRAINED_WARNING

    def figure(src, caption):
        return f'<figure><img src="{src}" width="256"><figcaption>{html.escape(caption)}</figcaption></figure>'

    figures = [figure("input.png", "input"), figure("aligned.png", "aligned crop"), figure("mask.png", "mask")]
    figures += [figure(f"cartoon_{name}.png", f"cartoon ({name})") for name in backends]
    figures.append(figure("pasted.png", "pasted back (keras)"))
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{row['max_abs_diff_pixels']:.0f}</td><td>{row['mean_abs_diff_pixels']:.2f}</td>"
        f"<td>{'identical' if row['psnr_db'] is None else row['psnr_db']}</td><td>{row['generator_ms']}</td>"
        f"<td>{row['end_to_end_ms']}</td></tr>"
        for name, row in summary["backends"].items()
    )
    warning = "" if "untrained" not in summary["weights"] else f"<p><strong>{html.escape(UNTRAINED_WARNING)}</strong></p>"
    return (
        "<!doctype html><meta charset='utf-8'><title>tf_p2c demo</title>"
        "<style>body{font-family:sans-serif;margin:24px}figure{display:inline-block;margin:8px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style>"
        f"<h1>tf_p2c demo</h1><p>Weights: {html.escape(summary['weights'])}; ONNX Runtime runs "
        f"{html.escape(summary['onnx'])}.</p>{warning}{''.join(figures)}"
        "<h2>Parity against Keras and timings</h2><table><tr><th>runtime</th><th>max abs diff (0-255)</th>"
        "<th>mean abs diff</th><th>PSNR dB</th><th>generator ms</th><th>end to end ms</th></tr>"
        f"{rows}</table>"
    )
