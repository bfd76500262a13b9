"""`quiet_tensorflow_imports`: start-up chatter dropped, real messages kept, nothing imported early."""

from __future__ import annotations

import os
import subprocess
import sys
from paths import REPO

CALL = ("import sys; from tf_p2c.quiet_import import quiet_tensorflow_imports as q; q(); "
        "assert 'tensorflow' not in sys.modules; import tensorflow as tf; print(tf.__name__)")


def _run(code, fake_dir=None, level="3"):
    path = os.pathsep.join(p for p in (fake_dir, REPO) if p)
    env = dict(os.environ, PYTHONPATH=path, TF_CPP_MIN_LOG_LEVEL=level)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def _fake_tensorflow(tmp_path, body):
    (tmp_path / "tensorflow.py").write_text("import os\n" + body)
    return str(tmp_path)


def test_chatter_is_dropped_and_other_lines_kept(tmp_path):
    fake = _fake_tensorflow(tmp_path, 'os.write(2, b"I0000 00:00 port.cc:153] oneDNN custom operations are on\\n'
                                      'E0000 00:00 real.cc:1] a real error\\n")\n')
    result = _run(CALL, fake)
    assert result.returncode == 0 and result.stdout.strip() == "tensorflow"
    assert "a real error" in result.stderr
    assert "I0000" not in result.stderr
    # Without a quiet level everything passes.
    assert "I0000" in _run(CALL, fake, level="0").stderr


def test_a_failing_import_shows_everything(tmp_path):
    fake = _fake_tensorflow(tmp_path, 'os.write(2, b"I0000 loading\\n")\nraise ImportError("broken install")\n')
    result = _run(CALL, fake)
    assert result.returncode != 0
    assert "I0000 loading" in result.stderr and "broken install" in result.stderr


def test_real_tensorflow_start_up_lines_are_hidden():
    quiet = _run(CALL)
    assert quiet.returncode == 0, quiet.stderr
    assert not [line for line in quiet.stderr.splitlines() if line.startswith(("I0000", "W0000"))]
