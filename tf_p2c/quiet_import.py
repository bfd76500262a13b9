"""Importing TensorFlow without its start-up chatter on stderr.

TensorFlow's C++ runtime prints INFO lines ("oneDNN custom operations are on", "Could not find
cuda drivers") while it loads, before `TF_CPP_MIN_LOG_LEVEL` applies, so a command line tool
shows them on every run. The command-line entry points import TensorFlow through
`import_tensorflow_quietly`, which holds stderr back during the import and passes on every
line that is not such a start-up INFO / WARNING line (errors, and everything when the import
fails).
"""

from __future__ import annotations

import os
import sys
import tempfile

# Start-up lines dropped when TF_CPP_MIN_LOG_LEVEL asks for quiet (>= 1).
_CHATTER = ("I0000 ", "W0000 ", "WARNING: All log messages before absl::InitializeLog()")


def import_tensorflow_quietly():
    """Imports and returns `tensorflow`, dropping its start-up INFO / WARNING lines from stderr."""
    if "tensorflow" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") in ("", "0"):
        import tensorflow

        return tensorflow
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as held:
        os.dup2(held.fileno(), 2)
        failed = True
        try:
            import tensorflow

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
    return tensorflow
