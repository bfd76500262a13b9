"""`ExportPlan` and the one TFLite writer (`_write_tflite`) behind every TFLite variant.

Self-consistency tests: each variant name maps to the conversion it names, the writer hands
`convert_tflite` what that variant needs (recorded, not converted), and the files the shared
export wrote carry the metadata the writer recorded for them.
"""

import dataclasses
import json
import os

import pytest

from tf_p2c.export import tflite
from tf_p2c.export.pipeline import FILES, METADATA_FILE, TFLITE_QUANT, TFLITE_VARIANTS, ExportPlan, Thresholds, _write_tflite


def _plan(model, calib_images=None, log=None):
    return ExportPlan(
        model=model, source="w.pt", formats=tuple(TFLITE_VARIANTS), thresholds=Thresholds(),
        eval_images=None, eval_source="eval", keras_images=None, keras_run=None,
        calib_images=calib_images, calib_source="calib", reference=None, reference_onnx=None, num_threads=1,
        latency_repeats=1, optimize_onnx_transposes=False, float_layers=("HourGlass1",),
        log=log or (lambda message: None))


def test_every_tflite_file_is_one_variant():
    assert set(TFLITE_VARIANTS) == {name for name, file in FILES.items() if file.endswith(".tflite")}
    assert all(quant in tflite.QUANT_TYPES for quant, _ in TFLITE_VARIANTS.values())
    # The float-input variants (converted from one traced source), as benchmarks name them.
    assert TFLITE_QUANT == {"fp32": None, "fp16": "fp16", "dynamic_int8": "dynamic_int8", "int8": "int8"}


def test_plan_is_frozen(tiny_model):
    plan = _plan(tiny_model)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.num_threads = 4
    assert plan.metadata_extra == {"source_weights": "w.pt"}


def test_one_writer_converts_each_variant_as_it_names(tiny_model, tmp_path, monkeypatch):
    calls = {}

    def convert(model, quant, representative_images, uint8_io, float_layers, metadata, saved_model_dir):
        calls[metadata["input"]["dtype"], metadata["quantization"]] = (
            quant, uint8_io, representative_images, float_layers, saved_model_dir)
        return b"flatbuffer " + json.dumps(metadata).encode()

    monkeypatch.setattr(tflite, "convert_tflite", convert)
    logged = []
    plan = _plan(tiny_model, calib_images="crops", log=logged.append)
    metas = {}
    for name in TFLITE_VARIANTS:
        path = tmp_path / FILES[name]
        flatbuffer, metas[name] = _write_tflite(plan, name, str(path), f"source of {name}")
        assert path.read_bytes() == flatbuffer == b"flatbuffer " + json.dumps(metas[name]).encode()
    assert logged == [f"converting {name} ..." for name in TFLITE_VARIANTS]
    # Each variant converts from the source it is given.
    assert calls == {
        ("float32", "none"): (None, False, "crops", ("HourGlass1",), "source of fp32"),
        ("float32", "fp16"): ("fp16", False, "crops", ("HourGlass1",), "source of fp16"),
        ("float32", "dynamic_int8"): ("dynamic_int8", False, "crops", ("HourGlass1",), "source of dynamic_int8"),
        ("float32", "int8"): ("int8", False, "crops", ("HourGlass1",), "source of int8"),
        ("uint8", "none"): (None, True, "crops", ("HourGlass1",), "source of uint8"),
    }
    assert metas["int8"]["calibration"] == "calib"
    assert metas["int8"]["float_in_int8"] == {"ops": list(tflite.FLOAT_OPS_IN_INT8), "layers": ["HourGlass1"]}
    assert all("calibration" not in metas[name] for name in TFLITE_VARIANTS if name != "int8")
    assert {meta["source_weights"] for meta in metas.values()} == {"w.pt"}


def test_uint8_file_of_the_shared_export_carries_its_metadata(export_dir):
    # The float variants are checked the same way in test_export_all.py.
    out, _ = export_dir
    with open(os.path.join(out, FILES["uint8"]), "rb") as handle:
        meta = tflite.read_metadata(handle.read())
    assert meta["quantization"] == "none"
    assert meta["input"]["dtype"] == "uint8" and meta["input"]["range"] == [0, 255]
    assert meta["outputs"]["image"]["dtype"] == "uint8"
    with open(os.path.join(out, METADATA_FILE)) as handle:
        assert json.load(handle)["files"][FILES["uint8"]] == meta
