"""Paths and image helpers of the web page's tests."""

from __future__ import annotations

import io
import os
import socket
import threading
import time

import numpy as np
from PIL import Image
from paths import FIXTURES, REPO, SAMPLE, TINY_ONNX  # noqa: F401  (SAMPLE, TINY_ONNX: for the serve tests)

TWO_FACES = os.path.join(FIXTURES, "faces", "two_faces.jpg")
# 64 px generator exported like the released .onnx (tests/fixtures/README.md): fast, no TensorFlow.
ARTIFACTS = os.path.join(REPO, "test_artifacts")


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def read_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


class ThreadServer:
    """The app behind `tf_p2c.serve.server.make_server` on a free 127.0.0.1 port, in a thread here.

    The real HTTP server (deadlines, connection cap, protocol errors) without a subprocess or a
    model. Use as a context manager; `port` and `url` are set on entry.
    """

    def __init__(self, app, limits):
        self.app = app
        self.limits = limits

    def __enter__(self):
        from tf_p2c.serve.server import make_server

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server(self.app, self.limits, log_level="warning")
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info):
        self.server.should_exit = True  # requests still open are closed after make_server's grace period
        self.thread.join(15)
        self.sock.close()

    def connect(self, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


def read_until_closed(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything the server sends until it closes the connection (or `timeout` seconds pass)."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def raw_request(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Sends `request` as is on a new loopback connection; returns all the server answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        return read_until_closed(sock, timeout)


def parse_response(raw: bytes) -> tuple[int, dict, bytes]:
    """(status, lower-case headers, body) of one raw HTTP/1.1 answer."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body
