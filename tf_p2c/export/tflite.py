"""Generator -> TFLite (LiteRT) flatbuffer, float or quantized, with embedded metadata.

Signature `serving_default` of every model written here:

- float variant: input `input` (1, S, S, 3) float32 RGB in [-1, 1]; outputs `image`
  (1, S, S, 3) float32 in [-1, 1], `cam_logit` (1, 2), `heatmap` (1, S/4, S/4, 1).
- uint8 variant (`uint8_io=True`): input `input` (1, S, S, 3) uint8 RGB 0..255; output `image`
  uint8 RGB 0..255 (`round((y + 1) * 127.5)`, clipped), `cam_logit` and `heatmap` float32.
  The normalisation runs in the graph, so an app does no float maths.

Conversion starts from a batch-1 wrapper of the generator (a fixed batch keeps every shape static;
with a free batch the converter cannot legalise some convolutions), traced once and frozen (its
weights folded into constants) into a small SavedModel, `write_conversion_source`, which
`TFLiteConverter.from_saved_model` converts. `from_concrete_functions([cf], model)` on the
unfrozen trace gives NaN outputs (DESIGN.md §2), and `from_keras_model` writes a SavedModel of
every Keras layer first: on the generator that takes ~2.5x as long as the whole frozen path, for
the same graph.

Metadata is a UTF-8 JSON object stored in the flatbuffer's `metadata` table under the name
`photo2cartoon` (read it back with `read_metadata`); `export_all` also writes it beside the
models as `photo2cartoon.json`.

Reference: tensorflow/models `serving/export_tflite_lib.py` (`convert_tflite_model -> bytes`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np

from tf_p2c.export.errors import ExportError
from tf_p2c.scaling import pixels_to_unit, to_uint8, to_uint8_tensor

QUANT_TYPES = (None, "fp16", "dynamic_int8", "int8")
INPUT_NAME = "input"
OUTPUT_NAMES = ("image", "cam_logit", "heatmap")
METADATA_NAME = "photo2cartoon"
# Ops kept in float inside the full-int8 model by default: everything but the convolutions and
# dense layers, which hold the weights and the multiply-adds (int8 normalisation is both slow and
# inaccurate).
FLOAT_OPS_IN_INT8 = ("MEAN", "SQUARED_DIFFERENCE", "RSQRT", "TANH", "ADD", "SUB", "MUL", "CONCATENATION",
                     "STRIDED_SLICE", "RESHAPE", "AVERAGE_POOL_2D", "SUM", "REDUCE_MAX")
# Generator layers whose convolutions also stay float in the full-int8 model: the input and output
# convolutions and the first hourglass, where quantization error enters early and then travels
# through the whole network. Measured on the 256x256 generator (random weights as the original
# initialises them, rho / w in [0, 1]) on face crops, PSNR vs Keras: 28.5 dB with every
# convolution int8, 30.5 dB with these float (+0.3 MB).
FLOAT_LAYERS_IN_INT8 = ("ConvBlock1_conv", "HourGlass1", "ConvBlock2_conv")
# Op types whose nodes `FLOAT_LAYERS_IN_INT8` selects.
_WEIGHTED_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV")


def serving_model(model, uint8_io: bool = False):
    """Batch-1 Keras wrapper of a generator with named dict outputs (what gets converted).

    Args:
        model: generator, (B, S, S, 3) float32 in [-1, 1] -> (image, cam_logit, heatmap).
        uint8_io: take uint8 RGB 0..255 and return `image` as uint8 RGB 0..255.
    """
    import keras
    from keras import ops

    size = model.input_shape[1]
    if uint8_io:
        inputs = keras.Input((size, size, 3), batch_size=1, dtype="uint8", name=INPUT_NAME)
        x = pixels_to_unit(ops.cast(inputs, "float32"))
    else:
        inputs = keras.Input((size, size, 3), batch_size=1, dtype="float32", name=INPUT_NAME)
        x = inputs
    image, cam_logit, heatmap = model(x)
    if uint8_io:
        image = to_uint8_tensor(image)
    outputs = {"image": image, "cam_logit": cam_logit, "heatmap": heatmap}
    return keras.Model(inputs, outputs, name=f"{model.name}_serving{'_uint8' if uint8_io else ''}")


def trace_serving(model, uint8_io: bool = False, batch_size: int = 1, tflite_ops: bool = False):
    """`serving_model(model, uint8_io)` traced for a fixed batch: a concrete function
    `f(input) -> {"image", "cam_logit", "heatmap"}` that holds the model's variables. With
    `tflite_ops` it is traced inside `tflite_lowering()`: the TFLite-friendly ops, same values."""
    import contextlib

    import tensorflow as tf

    from tf_p2c.layers.lowering import tflite_lowering

    size = model.input_shape[1]
    spec = tf.TensorSpec((batch_size, size, size, 3), tf.uint8 if uint8_io else tf.float32, name=INPUT_NAME)
    with tflite_lowering() if tflite_ops else contextlib.nullcontext():
        wrapper = serving_model(model, uint8_io)
        return tf.function(lambda input: wrapper(input, training=False)).get_concrete_function(spec)


def write_conversion_source(traced, path) -> str:
    """Writes the converters' source: a SavedModel at `path` (a new directory) whose
    `serving_default` is `traced` with its variables folded into constants. Returns the path.

    Args:
        traced: `trace_serving(model, uint8_io, tflite_ops=True)`. One source
            serves every quantization of the same `uint8_io`.
        path: output directory; an intermediate file, not an export (`savedmodel.export_savedmodel`
            writes the SavedModel users get).
    """
    import tensorflow as tf

    from tf_p2c import tf_compat
    from tf_p2c.export.savedmodel import save_signature

    frozen = tf_compat.freeze_function(traced)
    # Freezing returns a flat list of outputs: give them their names back.
    serve = tf.function(lambda input: tf.nest.pack_sequence_as(traced.structured_outputs, frozen(input)),
                        input_signature=list(traced.structured_input_signature[0]))
    return save_signature(serve.get_concrete_function(), path)


def representative_dataset(images: np.ndarray, uint8_io: bool = False):
    """A converter `representative_dataset`: one (1, S, S, 3) sample per image.

    Args:
        images: float32 (N, S, S, 3) preprocessed face crops in [-1, 1].
        uint8_io: yield the samples as uint8 0..255 (for the uint8 variant).
    """
    def generator():
        for image in images:
            sample = image[None]
            if uint8_io:
                sample = to_uint8(sample)
            yield {INPUT_NAME: sample.astype(np.uint8 if uint8_io else np.float32)}

    return generator


def _converter(source, quant, representative_images, uint8_io):
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(source)
    if quant is None:
        return converter
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quant == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    elif quant == "int8":
        converter.representative_dataset = representative_dataset(representative_images, uint8_io)
        # Builtin float kernels stay allowed so that denylisted ops can run in float.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8,
                                               tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter


def convert_tflite(
    model,
    quant: str | None = None,
    representative_images: np.ndarray | None = None,
    uint8_io: bool = False,
    float_ops: Sequence[str] | None = FLOAT_OPS_IN_INT8,
    float_layers: Sequence[str] | None = FLOAT_LAYERS_IN_INT8,
    metadata: dict | None = None,
    saved_model_dir: str | None = None,
) -> bytes:
    """Converts a generator to a TFLite flatbuffer.

    Args:
        model: generator from `tf_p2c.load_generator` or `build_generator`.
        quant: None (float32), "fp16" (float16 weights), "dynamic_int8" (int8 weights,
            dynamic-range activations) or "int8" (int8 weights and activations, calibrated).
        representative_images: float32 (N, S, S, 3) preprocessed face crops in [-1, 1] for
            "int8"; None uses `calibration.sample_face_crops` (crops of the bundled sample photo).
        uint8_io: uint8 RGB in and out (normalisation in the graph).
        float_ops: for "int8", TFLite op types kept in float (selective quantization: the
            `denylisted_ops` of the MLIR quantizer, which `tf.lite.experimental.QuantizationDebugger`
            also uses); empty or None quantizes every op. Default `FLOAT_OPS_IN_INT8`.
        float_layers: for "int8", Keras layer names (top-level layers of the generator, e.g.
            "HourGlass1") whose convolutions and dense layers also stay float (the MLIR
            quantizer's `denylisted_nodes`). Default `FLOAT_LAYERS_IN_INT8`.
        metadata: JSON-serialisable dict embedded as `photo2cartoon` metadata (None: none).
        saved_model_dir: `write_conversion_source` of `model` traced with the same `uint8_io`:
            several variants from one trace. None writes one to a temporary directory.

    Returns:
        The flatbuffer bytes.

    Example:
        >>> flatbuffer = convert_tflite(load_generator("photo2cartoon_weights.pt"), "fp16")
    """
    if quant not in QUANT_TYPES:
        raise ExportError(f"quant must be one of {QUANT_TYPES}. Received: quant={quant!r}")
    size = model.input_shape[1]
    if quant == "int8":
        if representative_images is None:
            from tf_p2c.export.calibration import sample_face_crops

            representative_images, _ = sample_face_crops(size)
        representative_images = np.asarray(representative_images, dtype=np.float32)
        if representative_images.ndim != 4 or representative_images.shape[1:] != (size, size, 3):
            raise ExportError(f"representative_images must be (N, {size}, {size}, 3). "
                              f"Received: shape={representative_images.shape}")
    if saved_model_dir is None:
        import tempfile

        traced = trace_serving(model, uint8_io, tflite_ops=True)
        with tempfile.TemporaryDirectory(prefix="tf_p2c_convert_") as scratch:
            source = write_conversion_source(traced, os.path.join(scratch, "source"))
            return convert_tflite(model, quant, representative_images, uint8_io, float_ops, float_layers,
                                  metadata, saved_model_dir=source)
    converter = _converter(saved_model_dir, quant, representative_images, uint8_io)
    if quant == "int8":
        # Calibrate once, then quantize with the chosen ops left in float.
        from tf_p2c import tf_compat

        tf_compat.calibrate_only(converter)
        calibrated = converter.convert()
        flatbuffer = tf_compat.mlir_quantize(calibrated, float_ops or (), layer_nodes(calibrated, float_layers or ()))
    else:
        flatbuffer = converter.convert()
    if metadata is not None:
        flatbuffer = embed_metadata(flatbuffer, metadata)
    return bytes(flatbuffer)


def layer_nodes(flatbuffer: bytes, layers: Sequence[str]) -> list[str]:
    """Names of the weighted ops (convolutions, dense) inside the given Keras layers.

    The converter names each op's output tensor after the TF scopes it came from, e.g.
    `generator_serving_1/generator_1/HourGlass1_1/HG_0_1/.../convolution1`, and fused ops
    join several such names with ";". A layer matches a scope component equal to its name,
    with or without Keras' `_<n>` call suffix.

    Args:
        flatbuffer: a (calibrated, not yet quantized) TFLite model.
        layers: layer names.

    Returns:
        Node names for the MLIR quantizer's `denylisted_nodes`.
    """
    import re

    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    if not layers:
        return []
    pattern = re.compile(r"(^|/)(" + "|".join(map(re.escape, layers)) + r")(_\d+)?(/|$)")
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(flatbuffer))
    codes = [max(code.builtinCode, code.deprecatedBuiltinCode) for code in model.operatorCodes]
    weighted = {getattr(schema.BuiltinOperator, name) for name in _WEIGHTED_OPS}
    nodes = []
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            if codes[op.opcodeIndex] not in weighted:
                continue
            name = _decode(subgraph.tensors[op.outputs[0]].name) or ""
            if any(pattern.search(part) for part in name.split(";")):
                nodes.append(name)
    return nodes


def embed_metadata(flatbuffer: bytes, metadata: dict, name: str = METADATA_NAME,
                   compact: bool = True) -> bytes:
    """Adds (or replaces) a JSON metadata entry in a TFLite flatbuffer.

    Args:
        flatbuffer: the model.
        metadata: JSON-serialisable dict.
        name: metadata entry name.
        compact: drop what the runtime never reads (`compact_model`); the outputs stay
            bit-identical.
    """
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(flatbuffer))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(json.dumps(metadata, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name = name
    entry.buffer = len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if _decode(m.name) != name] + [entry]
    if compact:
        compact_model(model)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def compact_model(model) -> None:
    """Shrinks a TFLite object model (`flatbuffer_utils` form) in place, keeping its behaviour.

    The converter writes, for each of the ~4,000 tensors of the 256x256 generator, a TF scope
    path as its name, an empty quantization table and an empty buffer of its own, and keeps
    calibration min / max beside the scales of quantized tensors: together ~0.5 MB, as much as
    the difference between 8.4 and 7.9 MB in fp16. Here intermediate tensors lose their names
    (signature inputs and outputs are named after their keys: `input`, `image`, ...; signatures
    refer to tensors by index), empty quantization tables and calibration ranges go, and tensors
    without data share the schema's empty buffer 0.
    """
    keep = {}
    for signature in model.signatureDefs or []:
        for io in (*(signature.inputs or []), *(signature.outputs or [])):
            keep[(signature.subgraphIndex, io.tensorIndex)] = _decode(io.name)
    buffers, renumbered = [model.buffers[0]], {}

    def renumber(index):
        if index not in renumbered:
            renumbered[index] = len(buffers)
            buffers.append(model.buffers[index])
        return renumbered[index]

    for s, subgraph in enumerate(model.subgraphs):
        for t, tensor in enumerate(subgraph.tensors):
            tensor.name = keep.get((s, t))
            quant = tensor.quantization
            if quant is not None:
                if quant.scale is not None and len(quant.scale):
                    quant.min = quant.max = None
                elif quant.min is None and quant.max is None and quant.details is None:
                    tensor.quantization = None
            tensor.buffer = renumber(tensor.buffer) if _has_data(model.buffers[tensor.buffer]) else 0
    for entry in model.metadata or []:
        entry.buffer = renumber(entry.buffer)
    model.buffers = buffers


def _has_data(buffer) -> bool:
    return (buffer.data is not None and len(buffer.data) > 0) or bool(getattr(buffer, "size", 0))


def _decode(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def read_metadata(flatbuffer: bytes, name: str = METADATA_NAME) -> dict | None:
    """The JSON metadata entry `name` of a TFLite flatbuffer, or None when absent."""
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.Model.GetRootAsModel(bytearray(flatbuffer), 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if _decode(entry.Name()) == name:
            data = model.Buffers(entry.Buffer()).DataAsNumpy()
            return json.loads(bytes(data).decode("utf-8"))
    return None


def model_metadata(model, quant: str | None, uint8_io: bool = False, extra: dict | None = None) -> dict:
    """The metadata dict written into every exported model (I/O contract and model facts)."""
    from tf_p2c import __version__
    from tf_p2c.network_files import generator_config

    config = generator_config(model)
    size = config.img_size
    meta = {
        "name": "photo2cartoon generator (genA2B)",
        "producer": f"tf_p2c {__version__}",
        "quantization": quant or "none",
        "layout": "NHWC",
        "color": "RGB",
        "input": {"name": INPUT_NAME, "shape": [1, size, size, 3],
                  "dtype": "uint8" if uint8_io else "float32",
                  "range": [0, 255] if uint8_io else [-1.0, 1.0],
                  "normalization": "in graph" if uint8_io else "x / 127.5 - 1"},
        "outputs": {
            "image": {"shape": [1, size, size, 3], "dtype": "uint8" if uint8_io else "float32",
                      "range": [0, 255] if uint8_io else [-1.0, 1.0],
                      "denormalization": "in graph" if uint8_io else "(y + 1) * 127.5"},
            "cam_logit": {"shape": [1, 2], "dtype": "float32"},
            "heatmap": {"shape": [1, size // 4, size // 4, 1], "dtype": "float32"},
        },
        "preprocessing": "aligned face crop, segmented and composited on white (FacePreprocessor)",
        "model": {"ngf": config.ngf, "img_size": size, "light": config.light,
                  "parameters": int(model.count_params())},
    }
    if extra:
        meta.update(extra)
    return meta



