"""Compiles the Android app without Gradle or the Android SDK, and runs its JVM unit tests.

`make android-check` (mk/android.mk) fetches the tools and runs this script. Steps:

1. `aapt` links the resources against android.jar and writes R.java (the manifest gets the
   `namespace` of app/build.gradle.kts as its package, as AGP does).
2. The compile-only stubs (android_demo/compile-stubs) are compiled: Kotlin with the Compose
   compiler plugin, then Java. They are cached by content hash.
3. `:core` (javac), then app/src/main (kotlinc + Compose plugin, warnings are errors), then
   app/src/androidTest: against android.jar (whose java.* replaces the JDK's, as on a device),
   the core classes and the stubs.
4. The screen logic (app/src/main/.../state) is compiled again with its JUnit 4 tests
   (app/src/test) and nothing but the Kotlin stdlib, kotlinx-coroutines and JUnit on the class
   path (the logic must stay free of Android); JUnitCore runs the tests.
5. `--self-test`: a copy of app/src/main with a planted type error in one file and a
   @Composable call from a non-composable function in another must fail step 3 with both
   files and lines (the second also proves the Compose plugin's checks ran).

Only the standard library is used, so the system python3 runs it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
APP = os.path.join(ROOT, "app")
STUBS = os.path.join(ROOT, "compile-stubs")
JUNIT = ["/usr/share/java/junit4.jar", "/usr/share/java/hamcrest-core.jar"]
STATE_PACKAGE = os.path.join("org", "tfp2c", "cartoon", "state")


class CheckFailed(Exception):
    pass


def sources(folder, *suffixes):
    found = []
    for d, _, files in os.walk(folder):
        found.extend(os.path.join(d, f) for f in files if f.endswith(suffixes))
    return sorted(found)


# Short compiler runs: the C1 JIT alone and a larger heap make each kotlinc about a third faster.
KOTLINC_ENV = dict(os.environ, JAVA_OPTS="-Xmx2g -Xms512m -XX:TieredStopAtLevel=1 -XX:+UseParallelGC")


def run(cmd, what):
    start = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, env=KOTLINC_ENV)
    print(f"  {what}: {time.monotonic() - start:.1f} s", flush=True)
    return result


def require(result, what):
    if result.returncode != 0:
        raise CheckFailed(f"{what} failed:\n{result.stdout}{result.stderr}")
    return result


class Tools:
    def __init__(self, kotlin_home, android_jar):
        self.kotlin_home = kotlin_home
        self.android_jar = android_jar
        lib = os.path.join(kotlin_home, "lib")
        self.stdlib = os.path.join(lib, "kotlin-stdlib.jar")
        self.coroutines = os.path.join(lib, "kotlinx-coroutines-core-jvm.jar")
        self.compose_plugin = os.path.join(kotlin_home, "compose-compiler-unshaded.jar")
        for path in (self.stdlib, self.coroutines, self.compose_plugin, android_jar, *JUNIT):
            if not os.path.isfile(path):
                raise CheckFailed(f"missing {path}: run `make android-check`")
        with open(os.path.join(kotlin_home, "build.txt")) as handle:
            self.kotlin_version = handle.read().strip().split("-")[0]

    def kotlinc(self, out, classpath, files, compose=True, werror=False, no_jdk=False, what="kotlinc"):
        cmd = [os.path.join(self.kotlin_home, "bin", "kotlinc"), "-d", out, "-jvm-target", "17", "-no-reflect",
               "-language-version", "2.0", "-api-version", "2.0", "-nowarn" if not werror else "-Werror"]
        if no_jdk:
            # Only android.jar's java.* (API 23): a JDK-only API in app code fails here, as on a device.
            cmd.append("-no-jdk")
        if compose:
            cmd.append(f"-Xplugin={self.compose_plugin}")
        if classpath:
            cmd += ["-classpath", os.pathsep.join(classpath)]
        return run(cmd + files, what)

    def javac(self, out, classpath, files, what="javac"):
        cmd = ["javac", "-nowarn", "--release", "11", "-encoding", "UTF-8", "-d", out]
        if classpath:
            cmd += ["-cp", os.pathsep.join(classpath)]
        return run(cmd + files, what)


def check_kotlin_pin(tools):
    with open(os.path.join(ROOT, "gradle", "libs.versions.toml")) as handle:
        pinned = re.search(r'^kotlin\s*=\s*"([^"]+)"', handle.read(), flags=re.MULTILINE).group(1)
    if pinned != tools.kotlin_version:
        raise CheckFailed(f"the app pins Kotlin {pinned} (gradle/libs.versions.toml) but the check's compiler is "
                          f"{tools.kotlin_version}: update KOTLIN_VERSION in mk/android.mk")
    print(f"  Kotlin {pinned}, as pinned in gradle/libs.versions.toml")


def namespace():
    with open(os.path.join(APP, "build.gradle.kts")) as handle:
        return re.search(r'namespace\s*=\s*"([^"]+)"', handle.read()).group(1)


def generate_r(tools, build):
    """R.java from the app's resources (and a linked resource table, which proves they link)."""
    manifest = os.path.join(build, "AndroidManifest.xml")
    with open(os.path.join(APP, "src", "main", "AndroidManifest.xml")) as handle:
        text = handle.read()
    with open(manifest, "w") as handle:
        handle.write(text.replace("<manifest ", f'<manifest package="{namespace()}" ', 1))
    gen = os.path.join(build, "gen")
    os.makedirs(gen)
    require(run(["aapt", "package", "-f", "-m", "-J", gen, "-M", manifest, "-S", os.path.join(APP, "src", "main", "res"),
                 "-I", tools.android_jar, "-F", os.path.join(build, "resources.ap_")], "aapt (R.java, resources)"),
            "aapt")
    return sources(gen, ".java")


def compile_stubs(tools, cache):
    """Stub classes, rebuilt only when a stub or the compiler changes."""
    files = sources(STUBS, ".kt", ".java")
    digest = hashlib.sha256(tools.kotlin_version.encode())
    for path in files:
        digest.update(os.path.relpath(path, STUBS).encode())
        with open(path, "rb") as handle:
            digest.update(handle.read())
    out = os.path.join(cache, "stubs-" + digest.hexdigest()[:16])
    classes = os.path.join(out, "classes")
    if os.path.isfile(os.path.join(out, ".ok")):
        print("  stubs: cached")
        return classes
    kt = [f for f in files if f.endswith(".kt")]
    java = [f for f in files if f.endswith(".java")]
    # Built aside and renamed into place: another checkout may be building the same stubs.
    partial = tempfile.mkdtemp(prefix="partial-stubs-", dir=cache)
    partial_classes = os.path.join(partial, "classes")
    try:
        # Kotlin first (the Java sources are read for resolution), then Java against the Kotlin classes.
        require(tools.kotlinc(partial_classes, [tools.android_jar, tools.coroutines, *JUNIT], kt + java,
                              what="kotlinc stubs"), "compiling the stubs (Kotlin)")
        require(tools.javac(partial_classes, [partial_classes, tools.android_jar, tools.stdlib, *JUNIT], java,
                            what="javac stubs"), "compiling the stubs (Java)")
        open(os.path.join(partial, ".ok"), "w").close()
        shutil.rmtree(out, ignore_errors=True)
        try:
            os.rename(partial, out)
        except OSError:
            if not os.path.isfile(os.path.join(out, ".ok")):
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return classes


def compile_core(tools, build):
    out = os.path.join(build, "core")
    require(tools.javac(out, [], sources(os.path.join(ROOT, "core", "src", "main", "java"), ".java"),
                        what="javac :core"), "compiling :core")
    return out


def compile_app(tools, build, main_src, r_java, core, stubs, name="app"):
    """app/src/main; returns the compiler's result (callers decide whether failure is expected)."""
    out = os.path.join(build, name)
    kt = sources(main_src, ".kt")
    classpath = [tools.android_jar, tools.stdlib, tools.coroutines, core, stubs]
    result = tools.kotlinc(out, classpath, kt + r_java, werror=True, no_jdk=True, what=f"kotlinc {name} (Compose)")
    if result.returncode == 0:
        require(tools.javac(out, [tools.android_jar], r_java, what="javac R"), "compiling R.java")
    return out, result


def compile_android_test(tools, build, app, core, stubs):
    out = os.path.join(build, "androidTest")
    classpath = [tools.android_jar, tools.stdlib, tools.coroutines, core, stubs, app, *JUNIT]
    require(tools.kotlinc(out, classpath, sources(os.path.join(APP, "src", "androidTest", "java"), ".kt"),
                          werror=True, no_jdk=True, what="kotlinc androidTest"), "compiling app/src/androidTest")


def run_logic_tests(tools, build):
    """The screen logic and its JUnit tests, with only the Kotlin stdlib, kotlinx-coroutines and
    JUnit on the class path: an Android class in the logic fails this compile."""
    out = os.path.join(build, "logic")
    test_root = os.path.join(APP, "src", "test", "java")
    logic_sources = sources(os.path.join(APP, "src", "main", "java", STATE_PACKAGE), ".kt")
    test_sources = sources(test_root, ".kt")
    require(tools.kotlinc(out, [tools.stdlib, tools.coroutines, *JUNIT], logic_sources + test_sources, compose=False,
                          werror=True, what="kotlinc state + app/src/test (no Android)"),
            "compiling the screen logic and app/src/test without Android (the logic must not use Android classes)")
    classes = sorted(os.path.relpath(p, test_root)[:-3].replace(os.sep, ".")
                     for p in test_sources if p.endswith("Test.kt"))
    result = run(["java", "-cp", os.pathsep.join([out, tools.stdlib, tools.coroutines, *JUNIT]),
                  "org.junit.runner.JUnitCore", *classes], "JUnit app/src/test")
    report = result.stdout + result.stderr
    ran = re.search(r"OK \((\d+) tests?\)", report)
    if result.returncode != 0 or not ran:
        raise CheckFailed("app/src/test failed:\n" + report[-6000:])
    print(f"  app/src/test: {ran.group(0)} in {len(classes)} classes")


# Planted at the end of a copy of each file: (file under app/src/main/java, line, expected diagnostic).
PLANTED = [
    ("org/tfp2c/cartoon/MainViewModel.kt", 'private val plantedTypeError: Int = "not an Int"',
     r"(?i)type mismatch"),
    # Only the Compose plugin's checker reports this one: it proves the plugin ran.
    ("org/tfp2c/cartoon/view/MainScreen.kt", 'private fun plantedNotComposable() = Text("planted")',
     r"@Composable invocations can only happen from the context of a @Composable function"),
]


def self_test(tools, build, r_java, core, stubs):
    """The app compile must fail on planted errors, naming each file and line."""
    copy = os.path.join(build, "planted", "main")
    shutil.copytree(os.path.join(APP, "src", "main"), copy)
    expected = []
    for rel, text, pattern in PLANTED:
        path = os.path.join(copy, "java", rel)
        with open(path) as handle:
            lines = handle.read().rstrip("\n").split("\n")
        with open(path, "w") as handle:
            handle.write("\n".join(lines + [text]) + "\n")
        expected.append((os.path.basename(rel), len(lines) + 1, pattern))
    _, result = compile_app(tools, build, copy, r_java, core, stubs, name="planted-app")
    output = result.stdout + result.stderr
    if result.returncode == 0:
        raise CheckFailed("self-test: the app compiled despite the planted errors")
    for name, line, pattern in expected:
        hits = [row for row in output.splitlines() if re.search(rf"{re.escape(name)}:{line}:\d+: error: ", row)]
        if not any(re.search(pattern, row) for row in hits):
            raise CheckFailed(f"self-test: no error at {name}:{line} matching {pattern!r} in:\n{output[-4000:]}")
        print(f"  self-test: planted error reported at {name}:{line}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kotlin-home", required=True, help="unpacked kotlin-compiler bundle")
    parser.add_argument("--android-jar", required=True)
    parser.add_argument("--cache", required=True, help="where the build and the stub classes go")
    parser.add_argument("--self-test", action="store_true", help="also require planted errors to fail the check")
    args = parser.parse_args(argv)
    start = time.monotonic()
    build = None
    try:
        tools = Tools(args.kotlin_home, args.android_jar)
        check_kotlin_pin(tools)
        # One build folder per run: several checkouts may run the check at once.
        build = tempfile.mkdtemp(prefix="build-", dir=args.cache)
        # Two lanes (two cores): the app and its instrumented tests; the logic tests, then the self-test.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as side:
            logic = side.submit(run_logic_tests, tools, build)
            r_java = generate_r(tools, build)
            stubs = compile_stubs(tools, args.cache)
            core = compile_core(tools, build)
            planted = side.submit(self_test, tools, build, r_java, core, stubs) if args.self_test else None
            app, result = compile_app(tools, build, os.path.join(APP, "src", "main"), r_java, core, stubs)
            require(result, "compiling app/src/main")
            compile_android_test(tools, build, app, core, stubs)
            logic.result()
            if planted is not None:
                planted.result()
    except CheckFailed as failure:
        print(f"android-check FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if build is not None:
            shutil.rmtree(build, ignore_errors=True)
    print(f"android-check passed in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
