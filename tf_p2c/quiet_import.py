"""Importing TensorFlow without its start-up chatter on stderr.

TensorFlow's C++ runtime prints INFO lines ("oneDNN custom operations are on", "Could not find
cuda drivers") while it loads, before `TF_CPP_MIN_LOG_LEVEL` applies, so a command line tool
shows them on every run. The command-line entry points call `quiet_tensorflow_imports`: from
then on, whenever `tensorflow` is first imported (directly or through Keras), stderr is held
back during its import and every line that is not such a start-up INFO / WARNING line is
passed on (errors, and everything when the import fails). Commands that never need TensorFlow
(e.g. cartoonizing with a .tflite or .onnx generator) do not pay for importing it.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import sys
import tempfile

# Start-up lines dropped when TF_CPP_MIN_LOG_LEVEL asks for quiet (>= 1).
_CHATTER = ("I0000 ", "W0000 ", "WARNING: All log messages before absl::InitializeLog()")


@contextlib.contextmanager
def _held_stderr():
    """Holds fd 2 in a file, then writes back what is not chatter (everything on an exception)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as held:
        os.dup2(held.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            for line in held.read().decode("utf-8", "replace").splitlines(keepends=True):
                if failed or not line.startswith(_CHATTER):
                    sys.stderr.write(line)
            sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    """Runs the real loader of `tensorflow` with stderr held."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with _held_stderr():
            self.loader.exec_module(module)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` as usual, once, and wraps its loader in `_QuietLoader`."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # one import only; also keeps find_spec below from recursing
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow_imports() -> None:
    """Makes the first import of `tensorflow` drop its start-up INFO / WARNING lines.

    Does nothing when TensorFlow is already imported, when it is already armed, or when
    `TF_CPP_MIN_LOG_LEVEL` is unset or 0 (the user asked for every log line).
    """
    if "tensorflow" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") in ("", "0"):
        return
    if not any(isinstance(finder, _QuietTensorFlowFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())
