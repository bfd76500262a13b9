"""`preprocess --processes N`: the job starts and stops its own loopback worker processes."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tf_p2c.preprocess.job import JobConfig, run_preprocess
from tf_p2c.preprocess.photo import FaceOptions
from tf_p2c.data.tfrecords import parse_face_example
from paths import PREPROCESS_TESTS


def test_local_worker_processes(tmp_path, monkeypatch):
    """`processes=2`: the job starts its own dispatcher and two worker processes, then stops them."""
    monkeypatch.setenv("PYTHONPATH", PREPROCESS_TESTS)  # the workers import the fake preprocessor
    monkeypatch.setenv("P2C_FAKE_SLEEP", "0.05")
    data = tmp_path / "in"
    data.mkdir()
    for i in range(12):
        Image.fromarray(np.full((80, 80, 3), (i * 9, 0, 70), np.uint8)).save(data / f"p{i:02d}.png")
    out = tmp_path / "out"
    face = FaceOptions(factory="p2c_fake_face:FakePreprocessor", out_size=32)
    summary = run_preprocess(JobConfig(str(data), str(out), face=face, format="tfrecord", processes=2,
                                       progress=False))
    assert summary.ok == 12
    examples = [parse_face_example(r) for r in tf.data.TFRecordDataset(sorted(str(p) for p in out.glob("*.tfrecord")))]
    assert sorted(e["source/path"].numpy().decode() for e in examples) == [f"p{i:02d}.png" for i in range(12)]
    pids = {int(e["face/score"]) for e in examples}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    for pid in pids:  # the workers were stopped with the job
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
