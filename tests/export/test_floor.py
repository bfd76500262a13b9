"""The compute floor: MACs read from TFLite flatbuffers against a count from the Keras layers, the
shape histogram, the activation bounds, the floor timing and the goal checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tf_p2c.export import floor


def keras_macs(model) -> int:
    """Multiply-accumulates of the Keras model's Conv2D / DepthwiseConv2D / Conv2DTranspose / Dense
    layers, counted from their own shapes (independent of the flatbuffer)."""
    import keras

    total = 0
    for layer in model.layers:
        out = layer.output.shape
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            kh, kw, cin, mult = layer.kernel.shape
            total += out[1] * out[2] * kh * kw * cin * mult
        elif isinstance(layer, keras.layers.Conv2DTranspose):
            kh, kw, cout, cin = layer.kernel.shape  # Keras' transposed kernel is (kh, kw, out, in)
            x = layer.input.shape
            total += x[1] * x[2] * kh * kw * cin * cout
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw, cin, cout = layer.kernel.shape
            total += out[1] * out[2] * kh * kw * cin * cout
        elif isinstance(layer, keras.layers.Dense):
            depth, units = layer.kernel.shape
            total += math.prod(out[:-1]) * depth * units
    return int(total)


@pytest.fixture(scope="module")
def tiny_flatbuffer():
    import contextlib
    import io

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(3)
    inputs = keras.Input((16, 16, 3), batch_size=1)
    x = keras.layers.Conv2D(8, 3, padding="same")(inputs)
    x = keras.layers.Conv2D(8, 3, padding="same")(x)  # the same shape as the next one
    x = keras.layers.Conv2D(8, 3, padding="same")(x)
    x = keras.layers.Conv2D(16, 3, strides=2, padding="valid")(x)
    x = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")(x)
    x = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(5)(x)
    model = keras.Model(inputs, outputs)
    with contextlib.redirect_stdout(io.StringIO()):
        flatbuffer = bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    return model, flatbuffer


def test_macs_match_the_keras_count(tiny_flatbuffer):
    model, flatbuffer = tiny_flatbuffer
    expected = keras_macs(model)
    # 16*16*(3*8 + 2*8*8)*9 + 7*7*16*8*9 + 7*7*32*9 + 7*7*32*9*4 + 4*5
    assert expected == 16 * 16 * (3 * 8 + 2 * 8 * 8) * 9 + 7 * 7 * 16 * 8 * 9 + 7 * 7 * 32 * 9 * 5 + 4 * 5
    assert floor.model_macs(flatbuffer) == expected
    ops = [op.op for op in floor.weighted_ops(flatbuffer)]
    assert sorted(ops) == sorted(["CONV_2D"] * 4 + ["DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "FULLY_CONNECTED"])


def test_histogram_groups_shapes_and_sums_to_the_total(tiny_flatbuffer):
    _, flatbuffer = tiny_flatbuffer
    rows = floor.conv_shape_histogram(flatbuffer)
    assert sum(row["macs"] for row in rows) == floor.model_macs(flatbuffer)
    assert sum(row["count"] for row in rows) == len(floor.weighted_ops(flatbuffer)) == 7
    assert sum(row["share"] for row in rows) == pytest.approx(1.0)
    assert [row["macs"] for row in rows] == sorted((row["macs"] for row in rows), reverse=True)
    twice = [row for row in rows if row["count"] == 2]
    assert len(twice) == 1 and twice[0]["shape"].key() == ("CONV_2D", 16, 16, 8, (3, 3), (1, 1), "SAME", 8)
    strided = next(row["shape"] for row in rows if row["shape"].cout == 16)
    assert (strided.height, strided.cin, strided.stride, strided.padding) == (16, 8, (2, 2), "VALID")
    # The repeated convolution is both the heaviest and the most frequent: chosen once.
    chosen = floor.floor_shapes(flatbuffer, heaviest=2, most_frequent=1)
    assert chosen == [floor.LARGE_CONV, twice[0]["shape"], strided]


def test_activation_bounds(tiny_flatbuffer):
    _, flatbuffer = tiny_flatbuffer
    act = floor.activation_bytes(flatbuffer)
    # The first convolution reads the float input (16*16*3) while writing 16*16*8 floats.
    assert act["peak_live"] >= 4 * 16 * 16 * (3 + 8)
    # Never more than every non-constant tensor at once, and no weights among them.
    assert act["peak_live"] <= act["total"] < 4 * 16 * 16 * 8 * 20


def test_int8_conv_model_has_the_shape_macs():
    shape = floor.ConvShape("CONV_2D", 8, 8, 4, (3, 3), (2, 2), "VALID", 6, 3 * 3 * 3 * 3 * 4 * 6)
    flatbuffer = floor.conv_model(shape, "int8")
    (op,) = floor.weighted_ops(flatbuffer)
    assert op.key() == shape.key() and op.macs == shape.macs == floor.model_macs(flatbuffer)


def test_measure_floor_on_a_tiny_conv():
    shapes = [floor.ConvShape("CONV_2D", 8, 8, 4, (3, 3), (1, 1), "SAME", 8, 8 * 8 * 4 * 8 * 9),
              floor.ConvShape("CONV_2D", 16, 16, 8, (1, 1), (1, 1), "SAME", 8, 16 * 16 * 8 * 8)]
    found = floor.measure_floor("fp32", shapes, threads=1, rounds=1, repeats=3)
    assert set(found.rates) == {shape.label for shape in shapes}
    assert all(rate > 0 and np.isfinite(rate) for rate in found.rates.values())
    assert found.rate == max(found.rates.values())
    assert found.floor_ms(2 * shapes[0].macs) == pytest.approx(2 * shapes[0].macs / found.rate * 1000)
    with pytest.raises(ValueError, match="kind must be one of"):
        floor.measure_floor("fp64", shapes)


def test_format_floors_and_speed_rows(tiny_flatbuffer):
    _, flatbuffer = tiny_flatbuffer
    assert [floor.floor_kind(n) for n in ("fp32", "fp16", "uint8", "dynamic_int8", "int8")] == [
        "fp32", "fp32", "fp32", "dynamic_int8", "int8"]
    with pytest.raises(ValueError, match="no floor"):
        floor.floor_kind("onnx")
    fp32 = floor.Floor("fp32", {"a": 1e9, "b": 2e9}, "b")
    rows = floor.speed_rows({"fp16": flatbuffer, "int8": flatbuffer}, {"fp16": 4.0, "int8": 2.0}, {"fp32": fp32},
                            reference_ms=8.0)
    macs = floor.model_macs(flatbuffer)
    assert rows["fp16"]["floor_ms"] == pytest.approx(macs / 2e9 * 1000)
    assert rows["fp16"]["x_floor"] == pytest.approx(4.0 / (macs / 2e9 * 1000))
    assert rows["int8"]["x_reference"] == 0.25 and "x_floor" not in rows["int8"]


def test_goal_checks():
    rows = {"fp32": {"x_floor": 1.2, "x_reference": 0.9, "psnr_db": float("inf"), "size_bytes": 15e6},
            "fp16": {"x_floor": 1.5, "x_reference": 0.8, "psnr_db": 45.0, "size_bytes": 7.95e6},
            "dynamic_int8": {"x_floor": 2.9, "x_reference": 0.2, "psnr_db": 29.0, "size_bytes": 4e6},
            "int8": {"x_floor": 2.5, "x_reference": 0.24, "psnr_db": 30.5, "size_bytes": 4.1e6}}
    checks = {label: (ok, value) for label, ok, value in floor.goal_checks(rows)}
    assert checks["fp32 <= 1.3x floor"] == (True, "1.20x")
    assert checks["int8 <= 2.0x floor"] == (False, "2.50x")
    assert checks["int8 <= 0.25x ONNX Runtime"] == (True, "0.24x")
    # dynamic int8 is faster but under 30 dB, so the fastest good format is int8.
    assert checks["fastest >= 30 dB <= 0.25x ONNX Runtime"] == (True, "int8 0.24x")
    assert checks["fp16 <= 7.9 MB"] == (False, "7.95 MB") and checks["int8 <= 4.2 MB"] == (True, "4.10 MB")
    del rows["int8"]
    missing = {label: (ok, value) for label, ok, value in floor.goal_checks(rows)}
    assert missing["int8 <= 2.0x floor"] == (False, "not measured")
    assert missing["fastest >= 30 dB <= 0.25x ONNX Runtime"] == (False, "fp16 0.80x")


def test_export_report_has_macs_and_floors(export_dir):
    from tf_p2c.export.pipeline import FILES, TFLITE_VARIANTS

    out, report = export_dir
    assert set(report["floors"]) == set(floor.FLOOR_KINDS)
    assert all(entry["rate_macs_per_s"] > 0 for entry in report["floors"].values())
    for name in TFLITE_VARIANTS:
        row = report["formats"][name]
        with open(out / FILES[name], "rb") as handle:
            assert row["macs"] == floor.model_macs(handle.read()) > 0
        rate = report["floors"][row["floor_kind"]]["rate_macs_per_s"]
        assert row["floor_kind"] == floor.floor_kind(name)
        assert row["x_floor"] == pytest.approx(row["latency_ms"] / (row["macs"] / rate * 1000))
    assert "macs" not in report["formats"]["onnx"]
