"""Latency of the Keras generator against ONNX Runtime, measured side by side in one run.

    python benchmarks/bench_generator.py [--weights W] [--onnx REFERENCE.onnx] [--threads 2]

Times the 256x256 ngf=32 generator at batch 1: Keras eager call, `tf.function`, and
`tf.function(jit_compile=True)` (XLA), against ONNX Runtime on an ONNX file of the same weights:
`--onnx` (e.g. the official photo2cartoon_weights.onnx, whose weights the Keras model then
loads), else the original architecture exported by PyTorch when torch is installed (as the
official file was made), else a tf2onnx export of the Keras model. Prints medians and ratios
to ONNX Runtime, plus peak RSS. Machines are noisy: read the ratios, not the absolute times.
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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def median_ms(fn, repeats, warmup=2):
    from tf_p2c.export.floor import time_runs_ms

    return statistics.median(time_runs_ms(fn, repeats, warmup))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def torch_reference_onnx(keras_model, path):
    """Exports the original architecture with the Keras model's weights, as the original did."""
    import torch

    sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "reference"))
    from torch_reference import ResnetGenerator

    from tf_p2c.convert.state_dict import model_state_dict

    reference = ResnetGenerator(ngf=32, img_size=256, light=True)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in model_state_dict(keras_model).items()}
    missing, unexpected = reference.load_state_dict(state, strict=False)
    assert not unexpected and all(".ConvBlock4." in key for key in missing), (missing, unexpected)
    reference.eval()
    torch.onnx.export(reference, torch.zeros(1, 3, 256, 256), path, input_names=["input"],
                      output_names=["output", "cam_logit", "heatmap"], opset_version=11, dynamo=False)
    return "original architecture exported by PyTorch (opset 11)"


def tf2onnx_export(keras_model, path):
    import tensorflow as tf
    import tf2onnx

    spec = (tf.TensorSpec((1, 256, 256, 3), tf.float32, name="input"),)
    fn = tf.function(lambda x: keras_model(x))
    tf2onnx.convert.from_function(fn, input_signature=spec, opset=17, output_path=path)
    return "tf2onnx export of the Keras model"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="generator weights for the Keras side")
    parser.add_argument("--onnx", help="reference ONNX of the same generator (NCHW input 'input')")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    import onnxruntime as ort
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    import tf_p2c
    from tf_p2c.models import build_generator

    if args.onnx:
        model = tf_p2c.load_generator(args.weights or args.onnx)
    elif args.weights:
        model = tf_p2c.load_generator(args.weights)
    else:
        keras.utils.set_random_seed(0)
        model = build_generator(tf_p2c.ModelConfig())

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path, source = args.onnx, "--onnx file"
        if onnx_path is None:
            onnx_path = os.path.join(tmp, "reference.onnx")
            try:
                import torch  # noqa: F401

                source = torch_reference_onnx(model, onnx_path)
            except ImportError:
                source = tf2onnx_export(model, onnx_path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (1, 256, 256, 3)).astype(np.float32)
    x_nchw = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    input_name = session.get_inputs()[0].name
    nchw = session.get_inputs()[0].shape[1] == 3

    compiled = tf.function(lambda t: model(t, training=False))
    jitted = tf.function(lambda t: model(t, training=False), jit_compile=True)
    x_tf = tf.constant(x)

    ort_image = session.run(None, {input_name: x_nchw if nchw else x})[0]
    ort_image = ort_image.transpose(0, 2, 3, 1) if nchw else ort_image
    keras_image = compiled(x_tf)[0].numpy()
    print(f"reference ONNX: {source}; max abs diff Keras vs ONNX Runtime: {np.abs(keras_image - ort_image).max():.2e}")

    runs = {
        "onnxruntime": lambda: session.run(None, {input_name: x_nchw if nchw else x}),
        "keras eager": lambda: model(x_tf, training=False),
        "tf.function": lambda: compiled(x_tf),
        "tf.function jit_compile": lambda: jitted(x_tf),
    }
    results = {}
    # Interleave rounds so that machine noise hits every contender alike.
    for _ in range(3):
        for name, fn in runs.items():
            results.setdefault(name, []).append(median_ms(fn, max(3, args.repeats // 3), warmup=1))
    base = statistics.median(results["onnxruntime"])
    print(f"generator 256x256 ngf=32 batch 1, {args.threads} threads, median of {args.repeats} runs:")
    for name, values in results.items():
        ms = statistics.median(values)
        print(f"  {name:<24s} {ms:8.1f} ms   {ms / base:5.2f}x ONNX Runtime")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
