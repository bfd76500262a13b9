"""Data-parallel training on CPU: 2 logical devices (MirroredStrategy) and 2 loopback workers
(MultiWorkerMirroredStrategy). Each runs in subprocesses, which configure TensorFlow first.

Mirrored vs one device (global batch 2, one step): Adam's first step moves every entry by
lr * g / (|g| + eps), so float32 summation-order differences in g change the weights only where
g is ~0 to float precision (e.g. the biases that feed an instance norm, whose true gradient is
0); those may move by lr in opposite directions (measured: 0.4% of the entries of these ngf=4
networks). Every other entry agrees to 1e-6.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
from training_helpers import REPO, run_python

pytestmark = pytest.mark.large  # subprocesses with eager steps: ~3.5 min together

WORKER = os.path.join("tests", "training", "distributed_worker.py")


def test_mirrored_two_devices_equals_one_device_with_the_global_batch(tmp_path):
    out = tmp_path / "mirrored.json"
    result = run_python([WORKER, "mirrored", str(out)], timeout=500)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["replica_batch"] == 1
    # G terms are computed after the D update, which carries the flips below.
    assert report["loss_rel"] < 1e-4, report
    assert report["max_diff"] <= 2 * report["lr"] + 1e-6, report
    # Entries with |g| ~ eps move by a fraction of lr that depends smoothly on g (measured: 12).
    assert report["n_not_flip"] <= 1e-3 * report["n"], report
    # ngf=4 networks have one-channel stages: many entries with gradients at float noise level.
    assert report["n_over_1e-6"] <= 1e-2 * report["n"], report


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_on_loopback_end_with_identical_weights(tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO + os.pathsep + os.path.join(REPO, "tests"))
    procs = []
    for index in range(2):
        worker_env = dict(env, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        procs.append(subprocess.Popen([sys.executable, WORKER, "multiworker", str(tmp_path / f"w{index}.npz")],
                                      cwd=REPO, env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        outputs = [p.communicate(timeout=500) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, err) in zip(procs, outputs):
        assert p.returncode == 0, err[-3000:]
    w0, w1 = (dict(np.load(tmp_path / f"w{i}.npz")) for i in range(2))
    assert int(w0["step"]) == int(w1["step"]) == 2
    assert int(w0["replicas"]) == 2
    assert set(w0) == set(w1)
    for key in w0:
        np.testing.assert_array_equal(w0[key], w1[key], err_msg=key)
