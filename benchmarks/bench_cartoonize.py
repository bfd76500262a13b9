"""End-to-end cartoonize throughput per runtime, measured side by side in one run.

    python benchmarks/bench_cartoonize.py [--weights W] [--photos 12] [--threads 2]

Each backend runs the same `Cartoonizer` (detect, landmarks, align, crop, segment, generator,
composite, paste-back) on the same ~1 MP portraits made from the bundled sample: Keras
(`tf.function`), LiteRT (fp32, dynamic-int8 and int8 TFLite from `tf_p2c.export.tflite`) and ONNX
Runtime (the original architecture exported by PyTorch with the same weights when torch is
installed, else a tf2onnx export). Prints photos/s and the ratio to ONNX Runtime.
Without --weights the generator has random weights (the timing does not depend on them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def portraits(count: int) -> list[np.ndarray]:
    import cv2

    from tf_p2c.assets import SAMPLE_PHOTO
    from tf_p2c.image_io import read_image

    sample = read_image(SAMPLE_PHOTO)
    photos = []
    for i in range(count):
        scale = 1.9 + 0.1 * (i % 3)
        big = cv2.resize(sample, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        angle = (-10, 0, 8)[i % 3]
        centre = (big.shape[1] / 2, big.shape[0] / 2)
        rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
        photos.append(cv2.warpAffine(big, rotation, (big.shape[1], big.shape[0]), borderValue=(255, 255, 255)))
    return photos


def throughput(cartoonizer, photos) -> float:
    cartoonizer.cartoonize(photos[0], paste_back=True)  # warm-up: tracing, interpreter set-up
    start = time.perf_counter()
    for photo in photos:
        result = cartoonizer.cartoonize(photo, paste_back=True)
        assert result.faces, "no face found in a benchmark photo"
    return len(photos) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="generator weights (.pt / .onnx / .keras)")
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    import tf_p2c
    from tf_p2c.cartoonize.pipeline import Cartoonizer
    from tf_p2c.export.onnx import export_onnx
    from tf_p2c.export.tflite import convert_tflite
    from tf_p2c.face.preprocessor import FacePreprocessor
    from tf_p2c.models import build_generator
    from tf_p2c.runtimes import KerasRunner, LiteRTRunner, OnnxRunner

    if args.weights:
        model = tf_p2c.load_generator(args.weights)
    else:
        keras.utils.set_random_seed(0)
        model = build_generator(tf_p2c.ModelConfig())
    photos = portraits(args.photos)
    print(f"{len(photos)} portraits of {photos[0].shape[1]}x{photos[0].shape[0]}, {args.threads} threads, "
          "end to end with paste-back")
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "generator.onnx")
        try:
            from bench_generator import torch_reference_onnx

            print(f"ONNX Runtime runs the {torch_reference_onnx(model, onnx_path)}")
        except ImportError:
            export_onnx(model, onnx_path, optimize_transposes=False)
            print("ONNX Runtime runs a tf2onnx export of the Keras model")
        runners = {
            "onnxruntime": OnnxRunner(onnx_path, args.threads),
            "keras tf.function": KerasRunner(model),
            "tflite fp32": LiteRTRunner(convert_tflite(model), args.threads),
            "tflite dynamic_int8": LiteRTRunner(convert_tflite(model, "dynamic_int8"), args.threads),
            "tflite int8": LiteRTRunner(convert_tflite(model, "int8"), args.threads),
        }
        preprocessor = FacePreprocessor(num_threads=1)
        rates = {name: throughput(Cartoonizer(run, preprocessor), photos) for name, run in runners.items()}
    base = rates["onnxruntime"]
    for name, rate in rates.items():
        print(f"cartoonize {name:<20s} {rate:6.2f} photos/s   {rate / base:5.2f}x ONNX Runtime")
    fastest = max(rates, key=rates.get)
    print(f"fastest end to end: {fastest}")


if __name__ == "__main__":
    main()
