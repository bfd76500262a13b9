"""Bad inputs give one-line `ExportError`s (and the CLI a one-line message and exit 1)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from tf_p2c.export.errors import ExportError
from tf_p2c.export.pipeline import Thresholds, export_all
from paths import FIXTURES

TINY_PT = os.path.join(FIXTURES, "p2c_tiny.pt")


def export_error(**kwargs):
    with pytest.raises(ExportError) as info:
        export_all(log=lambda message: None, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_weights_that_do_not_load(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    assert "cannot load weights" in export_error(weights=str(bad), out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_image_size_not_a_multiple_of_16(tmp_path):
    assert "multiple of 16" in export_error(weights=TINY_PT, out_dir=tmp_path / "out", img_size=72)


def test_int8_float_layer_that_the_generator_lacks(tmp_path):
    message = export_error(weights=TINY_PT, out_dir=tmp_path / "out", img_size=64,
                           int8_float_layers=["HourGlass1", "HourGlass9"])
    assert message.startswith("int8 float layers HourGlass9: no such layer in the generator")
    assert not (tmp_path / "out").exists()


def test_calibration_folder_without_faces(tmp_path):
    folder = tmp_path / "calib"
    folder.mkdir()
    shutil.copy(os.path.join(FIXTURES, "faces", "blank.png"), folder / "blank.png")
    (folder / "notes.txt").write_text("not an image")
    message = export_error(weights=TINY_PT, out_dir=tmp_path / "out", img_size=64, calibration_dir=str(folder))
    assert "no usable face" in message


def test_reference_onnx_of_another_architecture(tmp_path):
    # gen_tiny.onnx takes 64x64 images; the generator is exported at 128x128.
    message = export_error(weights=TINY_PT, out_dir=tmp_path / "out", img_size=128,
                           reference_onnx=os.path.join(FIXTURES, "gen_tiny.onnx"))
    assert "does not match" in message


def test_existing_output_and_unknown_format(tmp_path):
    (tmp_path / "out").mkdir()
    assert "already exists" in export_error(weights=TINY_PT, out_dir=tmp_path / "out")
    assert "unknown format" in export_error(weights=TINY_PT, out_dir=tmp_path / "new", formats=("tflite9",))


def _fake_export(failure=None, crash=False):
    """Stands in for the conversions: writes a partial output, then fails or reports."""
    def fake(staging, *args):
        with open(os.path.join(staging, "photo2cartoon_fp32.tflite"), "wb") as handle:
            handle.write(b"partial")
        if crash:
            raise ExportError("conversion crashed")
        status = "ok" if failure is None else f"FAIL {failure}"
        return {"formats": {"fp32": {"status": status}}}

    return fake


@pytest.mark.parametrize("crash", [False, True])
def test_a_failing_threshold_or_crash_leaves_no_output_folder(tmp_path, tiny_model, monkeypatch, crash):
    from tf_p2c.export import pipeline

    monkeypatch.setattr(pipeline, "_export_into", _fake_export("fp32: max abs diff vs Keras 1e-3 > 5e-4", crash))
    message = export_error(weights=tiny_model, out_dir=tmp_path / "out", eval_count=1, formats=("fp32",))
    expected = "conversion crashed" if crash else "export failed its quality thresholds: fp32: max abs diff"
    assert message.startswith(expected)
    assert os.listdir(tmp_path) == []  # neither out/ nor its staging folder


def test_a_passing_export_is_renamed_into_place(tmp_path, tiny_model, monkeypatch):
    from tf_p2c.export import pipeline

    monkeypatch.setattr(pipeline, "_export_into", _fake_export())
    export_all(tiny_model, tmp_path / "out", eval_count=1, formats=("fp32",), log=lambda message: None)
    assert os.listdir(tmp_path) == ["out"]
    assert os.listdir(tmp_path / "out") == ["photo2cartoon_fp32.tflite"]


def test_thresholds_check_each_kind_of_format():
    limits = Thresholds()
    ok = {"vs_keras": {"max_abs_diff": 1e-4, "psnr_db": 45.0}, "max_lsb_vs_keras": 1}
    bad = {"vs_keras": {"max_abs_diff": 1e-3, "psnr_db": 25.0}, "max_lsb_vs_keras": 3}
    for name in ("fp32", "fp16", "dynamic_int8", "int8", "uint8", "onnx", "savedmodel"):
        assert limits.check(name, ok) is None
        assert limits.check(name, bad).startswith(f"{name}: ")
    assert limits.check("int8", {"vs_keras": {"max_abs_diff": 1.0, "psnr_db": float("nan")}}) is not None


def test_cli_prints_one_line_and_exits_1(tmp_path, capsys):
    import export_tflite

    assert export_tflite.main(["--weights", str(tmp_path / "missing.pt"), "--out-dir", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("export_tflite.py: error: cannot load weights") and err.count("\n") == 1
    assert "Traceback" not in err
    assert export_tflite.main(["--weights", TINY_PT, "--out-dir", str(tmp_path / "o"), "--img-size", "100"]) == 1
    assert "multiple of 16" in capsys.readouterr().err


def test_convert_tflite_rejects_unknown_quantization(tiny_model):
    from tf_p2c.export.tflite import convert_tflite

    with pytest.raises(ExportError, match="quant must be one of"):
        convert_tflite(tiny_model, "int4")
    with pytest.raises(ExportError, match=r"representative_images must be \(N, 64, 64, 3\)"):
        convert_tflite(tiny_model, "int8", representative_images=np.zeros((2, 32, 32, 3), np.float32))
