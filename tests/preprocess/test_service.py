"""The job on tf.data service: a dispatcher and two worker *processes* on loopback.

Proves what `tf.numpy_function` alone cannot do: the per-photo Python function runs inside the
worker processes (crop scores carry the worker's pid), and dynamic sharding processes every
photo exactly once.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tf_p2c.preprocess.job import JobConfig, run_preprocess
from tf_p2c.preprocess.photo import FaceOptions, PreprocessorSetupError
from tf_p2c.data.tfrecords import parse_face_example
from paths import PREPROCESS_TESTS, REPO as ROOT, SAMPLE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(args: list[str]) -> subprocess.Popen:
    """Starts `python -m tf_p2c ARGS` with the fake preprocessor importable.

    A thread drains the process's output into `proc.lines` for its whole life: an unread pipe
    that fills up would block the server on its next log line.
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, PREPROCESS_TESTS]), TF_CPP_MIN_LOG_LEVEL="3",
               P2C_FAKE_SLEEP="0.05", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "tf_p2c", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    proc.lines = queue.Queue()
    threading.Thread(target=lambda: [proc.lines.put(line) for line in proc.stdout], daemon=True).start()
    return proc


def wait_ready(proc: subprocess.Popen, ready: str, timeout: float = 180.0) -> None:
    """Waits for the output line containing `ready` (TensorFlow start-up is slow on a busy machine)."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            line = proc.lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if ready in line:
            return
    proc.kill()
    raise AssertionError(f"{proc.args} did not start: {''.join(seen)[-2000:]}")


@pytest.fixture(scope="module")
def cluster():
    port = free_port()
    procs = []
    try:
        # "--host 0.0.0.0": the test accepts that the ports are reachable from the network while it
        # runs (TensorFlow listens on every interface; a loopback --host refuses when others are up).
        procs.append(spawn(["data-service", "dispatcher", "--host", "0.0.0.0", "--port", str(port)]))
        # Workers only after the dispatcher listens: a worker that finds no dispatcher backs off
        # for a long time. The two workers start together (TensorFlow takes seconds to load).
        wait_ready(procs[0], "dispatcher serving")
        for _ in range(2):
            procs.append(spawn(["data-service", "worker", "--dispatcher", f"127.0.0.1:{port}", "--host", "0.0.0.0",
                                "--worker-address", "127.0.0.1:%port%", "--port", str(free_port())]))
        for p in procs[1:]:
            wait_ready(p, "worker registered")
        yield f"127.0.0.1:{port}", [p.pid for p in procs[1:]]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def test_each_photo_once_across_two_worker_processes(cluster, tmp_path):
    dispatcher, worker_pids = cluster
    data = tmp_path / "in"
    data.mkdir()
    names = []
    for i in range(16):
        rgb = np.full((80, 80, 3), (i * 9, 0, 70), np.uint8)  # one fake face each
        Image.fromarray(rgb).save(data / f"p{i:02d}.png")
        names.append(f"p{i:02d}.png")
    (data / "bad.jpg").write_bytes(b"not a jpeg")
    out = tmp_path / "out"
    face = FaceOptions(factory="p2c_fake_face:FakePreprocessor", out_size=32)
    summary = run_preprocess(JobConfig(str(data), str(out), face=face, format="tfrecord", shards=3,
                                       workers=2, dispatcher=dispatcher, progress=False))
    assert (summary.ok, summary.error, summary.total) == (16, 1, 17)
    with open(out / "manifest.jsonl") as f:
        inputs = [json.loads(line)["input"] for line in f]
    assert sorted(inputs) == sorted(names + ["bad.jpg"])  # each photo exactly once
    examples = [parse_face_example(r) for r in tf.data.TFRecordDataset(sorted(str(p) for p in out.glob("*.tfrecord")))]
    sources = sorted(e["source/path"].numpy().decode() for e in examples)
    assert sources == names
    pids = {int(e["face/score"]) for e in examples}
    assert pids <= set(worker_pids) and os.getpid() not in pids
    assert len(pids) == 2, f"expected both workers to take part, got {pids}"


def test_real_faces_on_workers(cluster, tmp_path):
    dispatcher, _ = cluster
    data = tmp_path / "in"
    data.mkdir()
    shutil.copy(SAMPLE, data / "a.png")
    Image.open(SAMPLE).convert("L").save(data / "gray.jpg")
    Image.new("RGB", (200, 200), "white").save(data / "blank.png")
    out = tmp_path / "out"
    summary = run_preprocess(JobConfig(str(data), str(out), dispatcher=dispatcher, workers=1, progress=False))
    assert (summary.ok, summary.no_face, summary.error) == (2, 1, 0)
    assert np.asarray(Image.open(out / "a.png")).shape == (256, 256, 3)


def test_preprocessor_failing_on_workers_stops_the_job(cluster, tmp_path):
    dispatcher, _ = cluster
    data = tmp_path / "in"
    data.mkdir()
    Image.fromarray(np.full((80, 80, 3), 70, np.uint8)).save(data / "p.png")
    face = FaceOptions(factory="p2c_fake_face:FakePreprocessor", backend="broken")
    with pytest.raises(PreprocessorSetupError, match="cannot build the face preprocessor.*broken"):
        run_preprocess(JobConfig(str(data), str(tmp_path / "out"), face=face, dispatcher=dispatcher,
                                 progress=False))

