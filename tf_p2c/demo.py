"""`python -m tf_p2c demo`: the generator on the bundled sample portrait.

Aligns and crops the face as the original does, runs the generator and writes `demo_out/` with
the input, the aligned crop, the mask, the cartoon and an `index.html` that shows them.
Weights come from `--weights` or `models/`; without any, the generator is untrained and the
command says so.
"""

from __future__ import annotations

import glob
import html
import os
import time

import numpy as np

SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "astronaut.png")
WEIGHT_PATTERNS = ("photo2cartoon_weights.pt", "photo2cartoon_weights.onnx", "*.pt", "*.onnx", "*.keras")


def register(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="cartoonize the bundled sample portrait into demo_out/")
    demo.add_argument("--weights", default=None, help="weights file (default: the first found in --models-dir)")
    demo.add_argument("--models-dir", default="models")
    demo.add_argument("--image", default=SAMPLE, help="portrait to use (default: the bundled sample)")
    demo.add_argument("--out", default="demo_out")
    demo.set_defaults(func=run_demo)


def find_weights(models_dir: str) -> str | None:
    for pattern in WEIGHT_PATTERNS:
        found = sorted(glob.glob(os.path.join(models_dir, pattern)))
        if found:
            return found[0]
    return None


def run_demo(args) -> int:
    from tf_p2c.face.preprocessor import FacePreprocessor
    from tf_p2c.image_io import read_image, write_image_atomic

    weights = args.weights or find_weights(args.models_dir)
    generator, label = _generator(weights)
    image = read_image(args.image)
    started = time.perf_counter()
    faces = FacePreprocessor().process(image)
    align_ms = (time.perf_counter() - started) * 1000
    if not faces:
        print(f"no face found in {args.image}")
        return 3
    face = faces[0]
    x = face.image.astype(np.float32)[None] / 127.5 - 1.0
    generator(x)  # first call traces the graph; time the second
    started = time.perf_counter()
    out = generator(x)[0].numpy()[0]
    generate_ms = (time.perf_counter() - started) * 1000
    cartoon = (out + 1.0) * 127.5
    mask = face.mask[..., None]
    cartoon = np.clip(cartoon * mask + 255.0 * (1.0 - mask), 0, 255).astype(np.uint8)

    os.makedirs(args.out, exist_ok=True)
    files = {
        "input.png": image,
        "aligned.png": face.image,
        "mask.png": np.repeat((face.mask[..., None] * 255).astype(np.uint8), 3, axis=-1),
        "cartoon.png": cartoon,
    }
    for name, array in files.items():
        write_image_atomic(os.path.join(args.out, name), array)
    _write_index(args.out, label, align_ms, generate_ms)
    print(f"weights: {label}")
    print(f"face align + segment: {align_ms:.0f} ms, generator: {generate_ms:.0f} ms")
    print(f"wrote {os.path.join(args.out, 'index.html')}")
    return 0


def _generator(weights):
    from tf_p2c.weights import load_generator

    if weights:
        return load_generator(weights), weights
    import keras

    from tf_p2c.config import get_preset
    from tf_p2c.models import build_generator

    print("No weights found in models/: using an UNTRAINED generator (random weights), so the output "
          "is not a cartoon. Put the released photo2cartoon_weights.pt (or .onnx) in models/ for real cartoons.")
    keras.utils.set_random_seed(0)
    return build_generator(get_preset("photo2cartoon")), "untrained generator (random weights)"


def _write_index(out_dir, label, align_ms, generate_ms):
    cells = "".join(
        f'<figure><img src="{name}" width="256"><figcaption>{caption}</figcaption></figure>'
        for name, caption in (("input.png", "input"), ("aligned.png", "aligned crop"),
                              ("mask.png", "mask"), ("cartoon.png", "cartoon"))
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>tf_p2c demo</title>"
        "<style>body{font-family:sans-serif}figure{display:inline-block;margin:8px}</style>"
        f"<h1>tf_p2c demo</h1><p>Weights: {html.escape(label)}</p>"
        f"<p>Face alignment and segmentation {align_ms:.0f} ms; generator {generate_ms:.0f} ms.</p>{cells}"
    )
    from tf_p2c.image_io import write_bytes_atomic

    write_bytes_atomic(os.path.join(out_dir, "index.html"), page.encode("utf-8"))
