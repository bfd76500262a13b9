"""The Android demo's platform-free core (android_demo/core, Java) against the Python pipeline.

Golden vectors are written by `android_demo/scripts/make_goldens.py` from `tf_p2c` itself
(alignment geometry, mesh -> iBUG mapping, normalisation, output -> pixels, compositing, crop
warp, detection downsampling, exporter metadata), together with a freshly exported smoke-config
`.tflite`. The core and its JUnit 4 tests are compiled with javac and run with JUnitCore on
those goldens. JDK and JUnit come from Debian (mk/android.mk).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import zipfile

import numpy as np
import pytest
from PIL import Image

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORE = os.path.join(REPO, "android_demo", "core")
COMMITTED = os.path.join(CORE, "src", "test", "resources", "goldens")
JUNIT_JAR = "/usr/share/java/junit4.jar"  # its manifest adds hamcrest-core.jar


def _load_make_goldens():
    path = os.path.join(REPO, "android_demo", "scripts", "make_goldens.py")
    spec = importlib.util.spec_from_file_location("android_make_goldens", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_goldens = _load_make_goldens()


@pytest.fixture(scope="module")
def goldens(tmp_path_factory):
    """Goldens (committed set + model-based files) and the exported smoke model."""
    root = tmp_path_factory.mktemp("android")
    out, models = root / "goldens", root / "models"
    models.mkdir()
    tflite = make_goldens.write_goldens(str(out), str(models))
    return out, tflite


def _java_sources(folder):
    return sorted(os.path.join(d, f) for d, _, files in os.walk(folder) for f in files if f.endswith(".java"))


def _run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """Core and test classes compiled with javac; returns (classpath, test class names)."""
    assert shutil.which("javac") and os.path.isfile(JUNIT_JAR), "run `make android-jvm-deps` (mk/android.mk)"
    build = tmp_path_factory.mktemp("javac")
    main, test = build / "main", build / "test"
    result = _run(["javac", "-Xlint:all", "-Werror", "--release", "11", "-d", str(main),
                   *_java_sources(os.path.join(CORE, "src", "main", "java"))])
    assert result.returncode == 0, result.stderr
    test_sources = _java_sources(os.path.join(CORE, "src", "test", "java"))
    result = _run(["javac", "-Xlint:all", "--release", "11", "-cp", f"{main}{os.pathsep}{JUNIT_JAR}",
                   "-d", str(test), *test_sources])
    assert result.returncode == 0, result.stderr
    classes = [os.path.relpath(p, os.path.join(CORE, "src", "test", "java"))[:-5].replace(os.sep, ".")
               for p in test_sources if p.endswith("Test.java")]
    return os.pathsep.join([str(main), str(test), JUNIT_JAR]), classes


def test_core_has_no_android_dependency():
    for path in _java_sources(os.path.join(CORE, "src", "main", "java")):
        with open(path, encoding="utf-8") as handle:
            imports = re.findall(r"^import\s+([\w.]+)", handle.read(), flags=re.MULTILINE)
        assert all(name.startswith("java.") for name in imports), (path, imports)


def test_junit_suite_passes_on_fresh_python_goldens(goldens, compiled):
    out, tflite = goldens
    classpath, classes = compiled
    assert "org.tfp2c.cartoon.core.ExportedModelMetadataTest" in classes
    result = _run(["java", f"-Dp2c.goldens={out}", f"-Dp2c.tflite={tflite}", "-cp", classpath,
                   "org.junit.runner.JUnitCore", *classes])
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-4000:]
    ran = re.search(r"OK \((\d+) tests?\)", report)
    assert ran and int(ran.group(1)) >= 35, report[-2000:]


def test_junit_suite_passes_on_committed_goldens(compiled):
    """What `./gradlew :core:test` runs on a machine without Python (model test left out)."""
    classpath, classes = compiled
    classes = [c for c in classes if not c.endswith("ExportedModelMetadataTest")]
    result = _run(["java", f"-Dp2c.goldens={COMMITTED}", "-cp", classpath, "org.junit.runner.JUnitCore", *classes])
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def _numbers_equal(a, b, path=""):
    """Exact structure; floats equal to 1e-9 relative (JSON round trips are exact here)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), f"{path}: keys differ"
        for key in a:
            if key == "producer":  # package version string, not a golden value
                continue
            _numbers_equal(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: lengths differ"
        if a and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in a + b):
            np.testing.assert_allclose(np.asarray(b, float), np.asarray(a, float), rtol=1e-9, atol=1e-9,
                                       err_msg=path)
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                _numbers_equal(x, y, f"{path}[{i}]")
    elif isinstance(a, str) and path.endswith(".json"):
        _numbers_equal(json.loads(a), json.loads(b), path + "()")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_committed_goldens_equal_what_python_writes_today(goldens):
    out, _ = goldens
    fresh = sorted(n for n in os.listdir(out) if n not in make_goldens.MODEL_FILES)
    assert sorted(os.listdir(COMMITTED)) == fresh, "regenerate: python android_demo/scripts/make_goldens.py"
    for name in fresh:
        if name.endswith(".png"):
            a = np.asarray(Image.open(os.path.join(COMMITTED, name)))
            b = np.asarray(Image.open(os.path.join(out, name)))
            assert a.shape == b.shape and np.array_equal(a, b), name
        else:
            with open(os.path.join(COMMITTED, name)) as f1, open(os.path.join(out, name)) as f2:
                _numbers_equal(json.load(f1), json.load(f2), name)


def test_committed_goldens_stay_small():
    total = sum(os.path.getsize(os.path.join(COMMITTED, n)) for n in os.listdir(COMMITTED))
    assert total < 1_000_000
    assert not [n for n in os.listdir(COMMITTED) if n.endswith(".tflite")]


def test_alignment_goldens_cover_the_hard_cases():
    with open(os.path.join(COMMITTED, "alignment.json")) as handle:
        cases = json.load(handle)["cases"]
    angles = [np.degrees(c["eye_angle"]) for c in cases]
    assert max(angles) > 25 and min(angles) < -25  # tilted both ways
    assert any(c["width"] != c["height"] for c in cases)
    past = [c for c in cases if c["box"][0] < 0 or c["box"][1] < 0
            or c["box"][2] > c["canvas"][0] - 1 or c["box"][3] > c["canvas"][1] - 1]
    assert len(past) >= 3  # boxes reaching beyond the rotated photo
    assert sum(c["name"].startswith("astronaut") for c in cases) == 3  # real MediaPipe landmarks


def _load_script(name):
    path = os.path.join(REPO, "android_demo", "scripts", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"android_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prepare_assets_copies_models_and_writes_the_instrumented_golden(goldens, tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    from tf_p2c.image_io import read_image

    _, tflite = goldens
    landmarker = tmp_path / "face_landmarker.task"
    with zipfile.ZipFile(landmarker, "w") as bundle:  # a .task is a zip of models
        bundle.writestr("face_detector.tflite", b"stand-in")
    app = tmp_path / "app"
    prepare_assets = _load_script("prepare_assets")
    assert prepare_assets.main(["--export-dir", os.path.dirname(tflite), "--face-landmarker", str(landmarker),
                                "--app-dir", str(app)]) == 0
    assets = app / "src" / "main" / "assets"
    assert sorted(os.listdir(assets)) == ["face_landmarker.task", "photo2cartoon_fp32.tflite",
                                          "selfie_segmentation.tflite"]
    test_assets = app / "src" / "androidTest" / "assets"
    crop = read_image(str(test_assets / "input.png"))
    expected = read_image(str(test_assets / "expected.png"))
    assert crop.shape == expected.shape == (64, 64, 3)  # the smoke model's input size, from its metadata
    # The golden is the model's output for input.png: recompute it straight from the interpreter.
    runner = Interpreter(model_path=str(assets / "photo2cartoon_fp32.tflite")).get_signature_runner("serving_default")
    y = runner(input=(crop.astype(np.float32) / 127.5 - 1.0)[None])["image"][0]
    direct = np.clip(np.round((y + 1.0) * 127.5), 0, 255).astype(np.uint8)
    assert np.abs(direct.astype(int) - expected.astype(int)).max() <= 1


def test_prepare_assets_without_an_export_is_a_one_line_error(tmp_path, capsys):
    prepare_assets = _load_script("prepare_assets")
    code = prepare_assets.main(["--export-dir", str(tmp_path / "missing"), "--face-landmarker", "x.task",
                                "--app-dir", str(tmp_path / "app")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "photo2cartoon_fp32.tflite" in err
    assert not (tmp_path / "app").exists()
