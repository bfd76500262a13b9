"""Helpers of the training tests: a tiny image dataset on disk, a quiet Python subprocess."""

import os
import subprocess
import sys

import numpy as np
from paths import REPO


def write_dataset(root, n=3, size=72, seed=0, broken=()):
    """root/d/{trainA,trainB} with `n` noise PNGs each (72x72: resized to 94, cropped to 64)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for domain in "AB":
        folder = os.path.join(root, "d", f"train{domain}")
        os.makedirs(folder, exist_ok=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(os.path.join(folder, f"{i}.png"))
        if domain in broken:
            with open(os.path.join(folder, "00_broken.png"), "wb") as handle:
                handle.write(b"not an image")
    return str(root)


def run_python(args, env=None, timeout=300):
    """Runs `python args...` from the repository root with a quiet TensorFlow."""
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO + os.pathsep + os.path.join(REPO, "tests"))
    full_env.update(env or {})
    return subprocess.run([sys.executable, *args], cwd=REPO, env=full_env, capture_output=True, text=True, check=False,
                          timeout=timeout)
