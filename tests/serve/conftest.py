"""Fixtures for the web page's tests: photos as bytes, the tiny ONNX generator, a live server."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import numpy as np
import pytest
from serve_helpers import REPO, SAMPLE, TINY_ONNX, png_bytes


@pytest.fixture(scope="session")
def sample_bytes() -> bytes:
    with open(SAMPLE, "rb") as f:
        return f.read()


@pytest.fixture(scope="session")
def corrupt_png(sample_bytes) -> bytes:
    """The sample PNG cut in half: a valid header, truncated pixel data."""
    return sample_bytes[: len(sample_bytes) // 2]


@pytest.fixture(scope="session")
def grey_png() -> bytes:
    """A flat grey photo: decodable, no face."""
    return png_bytes(np.full((256, 256, 3), 128, np.uint8))


@pytest.fixture(scope="session")
def tiny_runner():
    from tf_p2c.runtimes import make_runner

    return make_runner("onnx", TINY_ONNX, num_threads=1)


class LiveServer:
    """`python -m tf_p2c serve` in a subprocess on a free loopback port."""

    def __init__(self, process, url, log_path):
        self.process = process
        self.url = url
        self.log_path = log_path

    def rss_bytes(self) -> int:
        """Resident memory of the server process, from /proc."""
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line")

    def log(self) -> str:
        with open(self.log_path) as f:
            return f.read()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    command = [sys.executable, "-m", "tf_p2c", "serve", "--weights", TINY_ONNX, "--port", "0",
               "--max-jobs", "2", "--queue", "8", "--keep-results", "8", "--threads", "1"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    server = None
    deadline = time.monotonic() + 60
    try:
        while server is None:
            found = re.search(r"on (http://127\.0\.0\.1:\d+/)", open(log_path).read())
            if found:
                server = LiveServer(process, found.group(1), log_path)
            elif process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{open(log_path).read()}")
            else:
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
