"""`export_all` on a tiny generator: every format exists, loads, keeps its contract and parity."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest
from PIL import Image

from tf_p2c import runtimes, scaling
from tf_p2c.export import parity
from tf_p2c.export.pipeline import (
    CONTACT_SHEET,
    FILES,
    FORMATS,
    METADATA_FILE,
    REPORT_FILE,
)
from tf_p2c.export.tflite import read_metadata
from tf_p2c.tf_compat import flatten_layers

TFLITE_FLOAT = ("fp32", "fp16", "dynamic_int8", "int8")
S = 64


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_is_written_and_non_empty(export_dir, name):
    out, report = export_dir
    path = os.path.join(out, FILES[name])
    assert os.path.exists(path)
    size = os.path.getsize(path) if os.path.isfile(path) else sum(
        os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)
    assert size > 0
    assert report["formats"][name]["size_bytes"] == size


@pytest.mark.parametrize("name", TFLITE_FLOAT)
def test_tflite_loads_with_the_serving_signature(export_dir, name):
    out, _ = export_dir
    run = runtimes.LiteRTRunner(read(os.path.join(out, FILES[name])))
    assert run.interpreter.get_signature_list() == {
        "serving_default": {"inputs": ["input"], "outputs": ["cam_logit", "heatmap", "image"]}}
    runner = run.interpreter.get_signature_runner("serving_default")
    (inp,) = runner.get_input_details().values()
    assert list(inp["shape"]) == [1, S, S, 3] and inp["dtype"] == np.float32
    shapes = {k: list(v["shape"]) for k, v in runner.get_output_details().items()}
    assert shapes == {"image": [1, S, S, 3], "cam_logit": [1, 2], "heatmap": [1, S // 4, S // 4, 1]}


@pytest.mark.parametrize("name", TFLITE_FLOAT)
def test_tflite_embeds_metadata(export_dir, name):
    out, _ = export_dir
    meta = read_metadata(read(os.path.join(out, FILES[name])))
    assert meta["quantization"] == ("none" if name == "fp32" else name)
    assert meta["input"] == {"name": "input", "shape": [1, S, S, 3], "dtype": "float32", "range": [-1.0, 1.0],
                             "normalization": "x / 127.5 - 1"}
    assert meta["layout"] == "NHWC" and meta["color"] == "RGB"
    assert meta["model"]["ngf"] == 8
    with open(os.path.join(out, METADATA_FILE)) as handle:
        assert json.load(handle)["files"][FILES[name]] == meta


def test_fp32_tflite_matches_keras_on_random_input(export_dir, tiny_model, rng):
    out, _ = export_dir
    x = rng.uniform(-1, 1, (2, S, S, 3)).astype(np.float32)
    run = runtimes.LiteRTRunner(read(os.path.join(out, FILES["fp32"])))
    assert parity.max_abs_diff(run(x), runtimes.KerasRunner(tiny_model)(x)) <= 5e-4


def test_quality_figures_pass_the_release_thresholds(export_dir):
    from tf_p2c.export.pipeline import Thresholds

    _, report = export_dir
    rows = report["formats"]
    assert report["failures"] == []
    assert all(row["status"] == "ok" for row in rows.values())
    assert report["thresholds"] == dataclasses.asdict(Thresholds())
    assert rows["fp32"]["vs_keras"]["max_abs_diff"] <= 5e-4
    assert rows["fp16"]["vs_keras"]["psnr_db"] >= 40
    assert rows["dynamic_int8"]["vs_keras"]["psnr_db"] >= 30
    assert rows["int8"]["vs_keras"]["psnr_db"] >= 28
    # Quantization costs quality in this order (PSNR vs Keras).
    assert rows["fp32"]["vs_keras"]["psnr_db"] > rows["fp16"]["vs_keras"]["psnr_db"] > rows["int8"]["vs_keras"]["psnr_db"]


def test_uint8_variant_takes_and_returns_uint8_within_two_lsb(export_dir, tiny_model, face_batch):
    out, _ = export_dir
    run = runtimes.LiteRTRunner(read(os.path.join(out, FILES["uint8"])))
    runner = run.interpreter.get_signature_runner("serving_default")
    assert runner.get_input_details()["input"]["dtype"] == np.uint8
    assert runner.get_output_details()["image"]["dtype"] == np.uint8
    image_u8 = scaling.to_uint8(face_batch[:1])
    got = runner(input=image_u8)["image"]
    expected = scaling.to_uint8(runtimes.KerasRunner(tiny_model)(scaling.from_uint8(image_u8)))
    assert got.dtype == np.uint8 and got.shape == (1, S, S, 3)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 2
    assert read_metadata(read(os.path.join(out, FILES["uint8"])))["input"]["dtype"] == "uint8"


def test_onnx_is_an_nchw_drop_in_for_the_original(export_dir, tiny_model, face_batch):
    out, _ = export_dir
    run = runtimes.OnnxRunner(os.path.join(out, FILES["onnx"]))
    (inp,) = run.session.get_inputs()
    assert (inp.name, inp.shape) == ("input", [1, 3, S, S])
    outputs = {o.name: o.shape for o in run.session.get_outputs()}
    assert outputs == {"output": [1, 3, S, S], "cam_logit": [1, 2], "heatmap": [1, 1, S // 4, S // 4]}
    nchw = np.ascontiguousarray(face_batch[:1].transpose(0, 3, 1, 2))
    image = run.session.run(["output"], {"input": nchw})[0].transpose(0, 2, 3, 1)
    assert parity.max_abs_diff(image, runtimes.KerasRunner(tiny_model)(face_batch[:1])) <= 5e-4


def test_savedmodel_serving_signature_runs(export_dir, tiny_model, face_batch):
    from tf_p2c.export.savedmodel import load_savedmodel_runner

    out, _ = export_dir
    run = load_savedmodel_runner(os.path.join(out, FILES["savedmodel"]))
    result = run(face_batch[:1])
    assert set(result) == {"image", "cam_logit", "heatmap"}
    assert result["heatmap"].shape == (1, S // 4, S // 4, 1)
    assert parity.max_abs_diff(result["image"], runtimes.KerasRunner(tiny_model)(face_batch[:1])) <= 5e-4


def test_savedmodel_keeps_its_weights_as_variables(export_dir, tiny_model):
    import tensorflow as tf

    out, _ = export_dir
    loaded = tf.saved_model.load(os.path.join(out, FILES["savedmodel"]))
    variables = loaded.signatures["serving_default"].variables
    assert sum(int(np.prod(v.shape)) for v in variables) == tiny_model.count_params()


def test_conversion_source_is_frozen_and_named_as_the_contract(tiny_model, face_batch, tmp_path):
    # What every TFLite file of the export is converted from (tflite.write_conversion_source).
    import tensorflow as tf

    from tf_p2c.export.tflite import trace_serving, write_conversion_source

    for uint8_io in (False, True):
        traced = trace_serving(tiny_model, uint8_io, tflite_ops=True)
        loaded = tf.saved_model.load(write_conversion_source(traced, tmp_path / str(uint8_io)))
        signature = loaded.signatures["serving_default"]
        assert not signature.variables
        assert list(signature.structured_input_signature[1]) == ["input"]
        x = scaling.to_uint8(face_batch[:1]) if uint8_io else face_batch[:1]
        result = signature(input=tf.constant(x))
        assert set(result) == {"image", "cam_logit", "heatmap"}
        if uint8_io:
            assert result["image"].dtype == tf.uint8
        else:
            keras_image = runtimes.KerasRunner(tiny_model)(face_batch[:1])
            assert parity.max_abs_diff(result["image"].numpy(), keras_image) <= 5e-4


def test_report_json_and_contact_sheet(export_dir):
    out, report = export_dir
    with open(os.path.join(out, REPORT_FILE)) as handle:
        assert json.load(handle) == report
    for name in FORMATS:
        row = report["formats"][name]
        for key in ("size_bytes", "latency_ms", "vs_keras", "vs_reference", "status"):
            assert key in row, (name, key)
        for metric in ("max_abs_diff", "mean_abs_diff", "psnr_db"):
            assert metric in row["vs_keras"] and metric in row["vs_reference"]
        assert row["latency_ms"] > 0
    assert report["reference"]["source"] == "ONNX export of the same weights"
    sheet = Image.open(os.path.join(out, CONTACT_SHEET))
    assert sheet.size == (S * (3 + len(FORMATS)), 14 + 2 * S)  # input, keras, reference, formats


def test_no_staging_folder_is_left_beside_the_output(export_dir):
    out, _ = export_dir
    siblings = os.listdir(os.path.dirname(out))
    assert siblings == [os.path.basename(out)]


def test_only_io_tensors_keep_names_named_after_the_signature(export_dir):
    out, _ = export_dir
    run = runtimes.LiteRTRunner(read(os.path.join(out, FILES["fp32"])))
    assert [d["name"] for d in run.interpreter.get_input_details()] == ["input"]
    assert sorted(d["name"] for d in run.interpreter.get_output_details()) == ["cam_logit", "heatmap", "image"]
    named = sorted(d["name"] for d in run.interpreter.get_tensor_details() if d["name"])
    assert named == ["cam_logit", "heatmap", "image", "input"]


def _conv_count(layer):
    import keras

    if isinstance(layer, keras.layers.Conv2D):
        return 1
    return sum(isinstance(sub, keras.layers.Conv2D) for sub in flatten_layers(layer))


def test_int8_keeps_the_first_and_last_layers_float_and_says_so(export_dir, tiny_model):
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    from tf_p2c.export.tflite import FLOAT_LAYERS_IN_INT8

    out, report = export_dir
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(read(os.path.join(out, FILES["int8"]))))
    graph = model.subgraphs[0]
    conv = [i for i, code in enumerate(model.operatorCodes)
            if max(code.builtinCode, code.deprecatedBuiltinCode) == schema.BuiltinOperator.CONV_2D]
    weight_types = [graph.tensors[op.inputs[1]].type for op in graph.operators if op.opcodeIndex in conv]
    expected_float = sum(_conv_count(tiny_model.get_layer(name)) for name in FLOAT_LAYERS_IN_INT8)
    assert weight_types.count(schema.TensorType.FLOAT32) == expected_float > 0
    assert weight_types.count(schema.TensorType.INT8) == _conv_count(tiny_model) - expected_float > 0
    stated = {"ops": list(report["formats"]["int8"]["float_in_int8"]["ops"]), "layers": list(FLOAT_LAYERS_IN_INT8)}
    assert report["formats"]["int8"]["float_in_int8"] == stated
    assert read_metadata(read(os.path.join(out, FILES["int8"])))["float_in_int8"] == stated
