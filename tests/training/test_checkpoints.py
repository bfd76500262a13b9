"""Checkpoints survive SIGKILL at any moment, saves included; restores check what they load."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from checkpoint_writer import TINY
from training_helpers import REPO

from tf_p2c.training.checkpoints import CheckpointMismatchError, TrainingCheckpoint
from tf_p2c.training.trainer import UGATIT


def _kill_during_saves(directory, delay):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO + os.pathsep + os.path.join(REPO, "tests"))
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "tests", "training", "checkpoint_writer.py"), directory],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        lines = []
        deadline = time.time() + 120
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.startswith("saved"):
                break
        assert lines and lines[-1].startswith("saved"), lines
        time.sleep(delay)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return lines


@pytest.fixture(scope="module")
def trainer():
    return UGATIT(TINY)


@pytest.mark.large
def test_sigkill_at_random_moments_leaves_a_complete_checkpoint(tmp_path, trainer):
    rng = random.Random(7)
    directory = str(tmp_path / "ckpt")
    previous = 0
    for trial in range(3):
        lines = _kill_during_saves(directory, rng.uniform(0.05, 1.5))
        assert lines[0] == f"ready {previous}", lines  # the writer resumed from the last complete one
        checkpoint = TrainingCheckpoint(trainer, directory)
        step = checkpoint.restore_latest()
        assert step >= previous + 1
        for network in trainer.networks.values():
            for variable in network.weights:
                assert np.all(variable.numpy() == step), f"{variable.path} is not from checkpoint {step}"
        previous = step


def test_restore_into_another_architecture_is_a_clear_error(tmp_path, trainer):
    directory = str(tmp_path / "ckpt")
    TrainingCheckpoint(trainer, directory).save()
    other = UGATIT(TINY.replace(model=TINY.model.replace(ngf=8)))
    with pytest.raises(CheckpointMismatchError, match="cannot restore"):
        TrainingCheckpoint(other, directory).restore_latest()
