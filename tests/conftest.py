"""Shared pytest set-up: quiet TensorFlow, per-test seeds, temporary paths.

TF_CPP_MIN_LOG_LEVEL must be set before TensorFlow is first imported, which is why it is set
at the top of this file (pytest imports conftest.py before any test module).
"""

from __future__ import annotations

import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

SEED = 1234


@pytest.fixture(autouse=True)
def _fixed_seeds():
    """Seed Python, NumPy and (when a test module uses it) Keras/TF before every test.

    Keras is seeded only when some module has already imported it, so test directories that
    must stay free of TensorFlow (e.g. the checkpoint reader's) do not pay for importing it.
    """
    random.seed(SEED)
    np.random.seed(SEED)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(SEED)
    yield


@pytest.fixture
def rng():
    """A NumPy generator with a fixed seed, for test data."""
    return np.random.default_rng(SEED)


@pytest.fixture
def keras_path(tmp_path):
    """A fresh `.keras` file path inside pytest's per-test temporary directory."""
    return tmp_path / "model.keras"
