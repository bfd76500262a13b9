"""Which runtime runs a weights file, and which file a models folder offers."""

from __future__ import annotations

from tf_p2c.runtimes import default_backend
from tf_p2c.network_files import find_weights


def test_default_backend_follows_the_extension():
    assert default_backend("exports/photo2cartoon_fp32.TFLITE") == "tflite"
    assert default_backend("photo2cartoon_weights.onnx") == "onnx"
    assert default_backend("photo2cartoon_weights.pt") == "keras"
    assert default_backend("genA2B.keras") == "keras"


def test_find_weights_prefers_the_released_files(tmp_path):
    assert find_weights(str(tmp_path)) is None
    for name in ("a_checkpoint.keras", "zz.pt", "photo2cartoon_weights.onnx", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert find_weights(str(tmp_path)) == str(tmp_path / "photo2cartoon_weights.onnx")
    (tmp_path / "photo2cartoon_weights.pt").write_bytes(b"x")
    assert find_weights(str(tmp_path)) == str(tmp_path / "photo2cartoon_weights.pt")
    assert find_weights(str(tmp_path / "missing")) is None
