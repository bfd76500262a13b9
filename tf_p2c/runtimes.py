"""Generator runtimes: one callable interface over Keras, LiteRT and ONNX Runtime.

A runner maps a float32 NHWC batch in [-1, 1] (RGB) to the generated images in the same
layout and range, whatever the file's own input layout (NCHW ONNX) or dtype (uint8 TFLite).
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

import numpy as np

from tf_p2c.scaling import from_uint8, to_uint8

BACKENDS = ("keras", "tflite", "onnx")


class RuntimeLoadError(ValueError):
    """A model file the chosen runtime cannot run; the message is one line."""


@runtime_checkable
class Runner(Protocol):
    """What the cartoonizer, the server and the parity report need of a generator runtime.

    ``runner(images)`` maps a float32 NHWC batch in [-1, 1] (N, S, S, 3) to the generated images
    in the same layout and range; ``input_size`` is S.
    """

    input_size: int

    def __call__(self, images) -> np.ndarray: ...


class KerasRunner:
    """Runner on a Keras generator, traced once per input shape."""

    def __init__(self, model):
        import tensorflow as tf

        self.model = model
        self.input_size = int(model.input_shape[1])
        self._forward = tf.function(lambda x: model(x, training=False)[0], reduce_retracing=True)

    def __call__(self, images) -> np.ndarray:
        import tensorflow as tf

        return self._forward(tf.constant(np.asarray(images, np.float32))).numpy()


class LiteRTRunner:
    """Runner on a TFLite model (path or flatbuffer bytes) with LiteRT (XNNPACK on).

    A uint8 model (``uint8_io``) gets its input quantized as an app would and its output mapped
    back to [-1, 1]; batch-1 models run one image at a time.
    """

    def __init__(self, model, num_threads: int = 2):
        from ai_edge_litert.interpreter import Interpreter

        source = ({"model_content": bytes(model)} if isinstance(model, (bytes, bytearray))
                  else {"model_path": os.fspath(model)})
        try:
            self.interpreter = Interpreter(num_threads=num_threads, **source)
            self._run = self.interpreter.get_signature_runner("serving_default")
            details = self._run.get_input_details()
        except (ValueError, RuntimeError) as error:
            raise RuntimeLoadError(f"LiteRT cannot load the model: {str(error).splitlines()[0][:200]}") from None
        self._input = "input" if "input" in details else next(iter(details))
        outputs = self._run.get_output_details()
        self._output = "image" if "image" in outputs else next(iter(outputs))
        self.uint8_io = details[self._input]["dtype"] == np.uint8
        self.input_size = int(details[self._input]["shape"][1])

    def __call__(self, images) -> np.ndarray:
        outs = []
        for image in np.asarray(images, np.float32):
            x = to_uint8(image[None]) if self.uint8_io else image[None]
            y = self._run(**{self._input: x})[self._output]
            outs.append(from_uint8(y)[0] if self.uint8_io else np.asarray(y[0], np.float32))
        return np.stack(outs)


class OnnxRunner:
    """Runner on an ONNX generator (path or bytes) with ONNX Runtime (CPU); NCHW or NHWC is read
    from its input (see `check_onnx_generator`)."""

    def __init__(self, model, num_threads: int = 2):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        source = bytes(model) if isinstance(model, (bytes, bytearray)) else os.fspath(model)
        try:
            self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        except Exception as error:  # ONNX Runtime raises its own exception types
            raise RuntimeLoadError(f"ONNX Runtime cannot load the model: {str(error).splitlines()[0][:200]}") from None
        self.nchw, self.input_size = check_onnx_generator(self.session)
        self._input = self.session.get_inputs()[0]
        self.input_shape = self._input.shape

    def __call__(self, images) -> np.ndarray:
        outs = []
        for image in np.asarray(images, np.float32):
            x = image[None].transpose(0, 3, 1, 2) if self.nchw else image[None]
            y = self.session.run(None, {self._input.name: np.ascontiguousarray(x)})[0]
            outs.append(y[0].transpose(1, 2, 0) if self.nchw else y[0])
        return np.stack(outs).astype(np.float32)


# The name android_demo/scripts import.
litert_runner = LiteRTRunner


def _static(dim) -> bool:
    return isinstance(dim, int) and dim > 0


def check_onnx_generator(session, default_size: int = 256) -> tuple[bool, int]:
    """Checks that an ONNX Runtime session has a generator's inputs and outputs.

    The contract: one float32 image input of rank 4 with 3 channels, NCHW or NHWC, square when
    its size is fixed; the first output a float32 image of the same layout, channels and size.
    When the file leaves sizes open, one run on a blank image checks the output's shape.

    Args:
        session: an `onnxruntime.InferenceSession`.
        default_size: input side when the model does not fix it.

    Returns:
        (whether the layout is NCHW, input side in pixels).

    Raises:
        RuntimeLoadError: the model does not fit the contract (one line saying how).
    """
    def refuse(reason: str):
        raise RuntimeLoadError(f"not a photo2cartoon generator: {reason}")

    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        refuse(f"it takes {len(inputs)} inputs, a generator takes one image")
    if not outputs:
        refuse("it has no outputs")
    info, out = inputs[0], outputs[0]
    shape = list(info.shape)
    if info.type != "tensor(float)" or len(shape) != 4:
        refuse(f"input {info.name!r} is {info.type} of shape {shape}, expected a float image (rank 4)")
    if shape[1] == 3 and shape[3] != 3:
        nchw = True
    elif shape[3] == 3:
        nchw = False
    else:
        refuse(f"input {info.name!r} has shape {shape}: no 3-channel axis (NCHW or NHWC)")
    if _static(shape[0]) and shape[0] != 1:
        refuse(f"input {info.name!r} has a fixed batch of {shape[0]}, expected 1 or any")
    spatial = shape[2:4] if nchw else shape[1:3]
    if all(_static(d) for d in spatial) and spatial[0] != spatial[1]:
        refuse(f"input {info.name!r} is {spatial[0]}x{spatial[1]}, expected a square image")
    size = next((d for d in spatial if _static(d)), default_size)
    expected = [1, 3, size, size] if nchw else [1, size, size, 3]
    out_shape = list(out.shape)
    if out.type != "tensor(float)" or len(out_shape) != 4:
        refuse(f"output {out.name!r} is {out.type} of shape {out_shape}, expected a float image (rank 4)")
    if any(_static(got) and got != want for got, want in zip(out_shape[1:], expected[1:])):
        refuse(f"output {out.name!r} has shape {out_shape}, expected {expected} for input shape {shape}")
    if not all(_static(d) for d in out_shape[1:]):
        try:
            got = session.run([out.name], {info.name: np.zeros(expected, np.float32)})[0].shape
        except Exception as error:  # ONNX Runtime raises its own exception types
            refuse(f"it fails on a {expected} input: {str(error).splitlines()[0][:200]}")
        if list(got) != expected:
            refuse(f"output {out.name!r} is {list(got)} for a {expected} input")
    return nchw, size


def default_backend(weights: str) -> str:
    """The backend that runs a weights file as is: .tflite on LiteRT, .onnx on ONNX Runtime, else Keras."""
    suffix = os.path.splitext(weights)[1].lower()
    return {".tflite": "tflite", ".onnx": "onnx"}.get(suffix, "keras")


def make_runner(backend: str, weights, num_threads: int = 2, img_size: int | None = None) -> Runner:
    """A runner for `backend` on `weights`, checking that the file suits the backend.

    Args:
        backend: "keras" (any file `tf_p2c.load_generator` reads: .pt, .onnx, .keras),
            "tflite" (a .tflite from export_tflite.py) or "onnx" (an ONNX generator, e.g. the
            original's photo2cartoon_weights.onnx).
        weights: the model file.
        num_threads: CPU threads for LiteRT / ONNX Runtime.
        img_size: input side for Keras light generators (default 256).
    """
    path = os.fspath(weights)
    if backend not in BACKENDS:
        raise RuntimeLoadError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if not os.path.isfile(path):
        raise RuntimeLoadError(f"{path}: no such file")
    suffix = os.path.splitext(path)[1].lower()
    if backend == "keras":
        from tf_p2c.network_files import load_generator

        return KerasRunner(load_generator(path, img_size=img_size))
    if backend == "tflite":
        if suffix != ".tflite":
            raise RuntimeLoadError(f"{path}: the tflite backend runs .tflite files (make one with export_tflite.py)")
        return LiteRTRunner(path, num_threads)
    if suffix != ".onnx":
        raise RuntimeLoadError(f"{path}: the onnx backend runs .onnx files")
    return OnnxRunner(path, num_threads)
