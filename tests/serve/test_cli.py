"""`python -m tf_p2c serve`: one-line failures, the host check, and the generator loading."""

from __future__ import annotations

import socket
import sys

import numpy as np
import pytest
from serve_helpers import SAMPLE, TINY_ONNX

from tf_p2c.cli import main
from tf_p2c.image_io import read_image
from tf_p2c.serve.cli import _is_loopback
from tf_p2c.models import UNTRAINED_WARNING
from tf_p2c.serve.model import load_cartoonizers


def run(capsys, *args):
    code = main(["serve", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_missing_web_extra_is_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # makes `import uvicorn` fail
    code, out, err = run(capsys, "--models-dir", str(tmp_path))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "pip install -r requirements-web.txt" in err and "uvicorn" in err


@pytest.mark.parametrize("args, message", [
    (["--backend", "tflite"], "error: --backend tflite needs --weights"),
    (["--weights", "missing.onnx"], "error: missing.onnx: no such file"),
    (["--weights", TINY_ONNX, "--backend", "tflite"], "the tflite backend runs .tflite files"),
    (["--max-jobs", "0"], "error: max_jobs must be >= 1"),
    (["--port", "70000"], "error: --port must be in 0..65535"),
])
def test_bad_options_are_one_line_errors(capsys, tmp_path, args, message):
    code, _, err = run(capsys, "--models-dir", str(tmp_path), "--port", "0", *args)
    assert code == 1 and message in err and err.count("\n") == 1


def test_busy_port_is_a_one_line_error(capsys, tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, _, err = run(capsys, "--weights", TINY_ONNX, "--port", str(port))
    assert code == 1 and f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in err


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.org", False),
])
def test_loopback_hosts(host, loopback):
    assert _is_loopback(host) is loopback


def test_one_cartoonizer_per_worker_sharing_a_thread_safe_runner():
    make_cartoonizer, info = load_cartoonizers(TINY_ONNX, "onnx", threads=1)
    assert info == {"weights": TINY_ONNX, "warning": None, "backend": "onnx", "input_size": 64}
    first, second = make_cartoonizer(), make_cartoonizer()
    assert first is not second and first.preprocessor is not second.preprocessor
    assert first.runner is second.runner  # ONNX Runtime sessions may be called from several threads


def test_untrained_generator_runs_with_a_warning():
    make_cartoonizer, info = load_cartoonizers(None, "keras", untrained_preset="smoke")
    assert info["warning"] == UNTRAINED_WARNING and "--weights" in info["warning"]
    assert info["input_size"] == 64 and info["weights"].startswith("untrained smoke generator")
    result = make_cartoonizer().cartoonize(read_image(SAMPLE), paste_back=True)
    assert len(result.faces) == 1 and result.faces[0].cartoon.shape == (64, 64, 3)
    # Random weights still give an image that is not the input (the generator really ran).
    assert np.abs(result.faces[0].raw_cartoon.astype(int) - result.faces[0].crop.image.astype(int)).mean() > 5
