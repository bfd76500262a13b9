"""`python -m tf_p2c demo` (what `make demo` runs) end to end on a tiny generator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PIL import Image
from paths import REPO, TINY_ONNX



def test_demo_writes_the_page_with_every_backend(tmp_path):
    out = tmp_path / "demo_out"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO)
    result = subprocess.run([sys.executable, "-m", "tf_p2c", "demo", "--weights", TINY_ONNX, "--out", str(out)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "UNTRAINED" not in result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text())
    assert set(report["backends"]) == {"keras", "tflite", "onnx"}
    for name, row in report["backends"].items():
        # The same cartoon from every runtime, up to rounding of a pixel level or two.
        assert row["max_abs_diff_pixels"] <= 2, name
        assert row["generator_ms"] > 0 and row["end_to_end_ms"] > 0
        with Image.open(out / f"cartoon_{name}.png") as image:
            assert image.size == (64, 64)
    for name in ("input.png", "aligned.png", "mask.png", "pasted.png"):
        assert (out / name).stat().st_size > 0
    page = (out / "index.html").read_text()
    assert all(f"cartoon_{name}.png" in page for name in report["backends"])
    assert "Parity against Keras" in page and "untrained" not in page.lower()
    assert f"wrote {out / 'index.html'}" in result.stdout


def test_page_says_plainly_when_the_generator_is_untrained():
    from tf_p2c.demo import _page
    from tf_p2c.models import UNTRAINED_WARNING

    row = {"max_abs_diff_pixels": 0.0, "mean_abs_diff_pixels": 0.0, "psnr_db": None, "generator_ms": 1.0,
           "end_to_end_ms": 2.0}
    summary = {"weights": "untrained generator (random weights)", "onnx": "an ONNX export", "backends": {"keras": row}}
    page = _page(summary, ["keras"])
    assert UNTRAINED_WARNING.split(":")[0] in page and "identical" in page
