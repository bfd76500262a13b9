"""The compile-only stubs that `make android-check` compiles the app against (android_demo/compile-stubs).

The check itself (compile, JVM tests, planted-error self-test) runs as a `make test`
prerequisite (mk/android.mk); these tests keep the stubs honest about what they are.
"""

from __future__ import annotations

import os
import re

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO = os.path.join(REPO, "android_demo")
STUBS = os.path.join(DEMO, "compile-stubs")


def _stub_files():
    return sorted(os.path.join(d, f) for d, _, files in os.walk(STUBS) for f in files if f.endswith((".kt", ".java")))


def test_every_stub_says_it_is_compile_only_and_names_its_library_version():
    files = _stub_files()
    assert len(files) > 30
    for path in files:
        with open(path, encoding="utf-8") as handle:
            header = "".join(handle.readline() for _ in range(3))
        assert "Compile-only" in header, path
        if not path.endswith(os.path.join("compilestub", "Stub.kt")):
            assert re.search(r"\d+\.\d+(\.\d+)?", header), f"{path}: no library version in its header"


def test_gradle_never_builds_the_stubs():
    with open(os.path.join(DEMO, "settings.gradle.kts"), encoding="utf-8") as handle:
        settings = handle.read()
    assert re.findall(r'include\(([^)]*)\)', settings) == ['":app", ":core"']
    for name in ("build.gradle.kts", os.path.join("app", "build.gradle.kts"), os.path.join("core", "build.gradle.kts")):
        with open(os.path.join(DEMO, name), encoding="utf-8") as handle:
            assert "compile-stubs" not in handle.read(), name


def test_the_check_compiles_with_the_kotlin_version_the_app_pins():
    with open(os.path.join(DEMO, "gradle", "libs.versions.toml"), encoding="utf-8") as handle:
        pinned = re.search(r'^kotlin\s*=\s*"([^"]+)"', handle.read(), flags=re.MULTILINE).group(1)
    with open(os.path.join(REPO, "mk", "android.mk"), encoding="utf-8") as handle:
        checked = re.search(r"^KOTLIN_VERSION\s*:=\s*(\S+)", handle.read(), flags=re.MULTILINE).group(1)
    assert checked == pinned
