"""Hostile clients against `python -m tf_p2c serve`: nothing lost, nothing exposed, nothing hangs.

The deadlines and the connection cap live in the HTTP server, so those tests talk raw HTTP to the
real server (`make_server`, in a thread, on 127.0.0.1) with small limits and fake cartoonizers; the
Host / Origin checks and the error shapes are app-level and go through httpx's ASGI transport.
Every wait is bounded; time limits in assertions are several times the configured ones.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import struct
import threading
import time
import zlib

import httpx
import numpy as np
import pytest
from serve.serve_helpers import (TINY_ONNX, ThreadServer, parse_response, png_bytes, raw_request,
                                 read_until_closed)

from tf_p2c.cartoonize.pipeline import CartoonResult
from tf_p2c.cli import main
from tf_p2c.serve import cli as serve_cli
from tf_p2c.serve.app import create_app
from tf_p2c.serve.cli import exposure_warning
from tf_p2c.serve.limits import ServeLimits

GREY_PNG = png_bytes(np.full((64, 64, 3), 128, np.uint8))
SLACK_S = 6.0  # how late a deadline may fire on a loaded 2-core machine


class FakeCartoonizer:
    """Counts its calls; finds no face. With `block`, holds its worker until `release` is set."""

    def __init__(self, block: bool = False):
        self.calls = 0
        self.block = block
        self.started = threading.Semaphore(0)
        self.release = threading.Event()

    def cartoonize(self, image, all_faces=False, paste_back=False):
        self.calls += 1
        self.started.release()
        if self.block:
            self.release.wait(20)
        return CartoonResult(faces=[], pasted=None, timings_ms={})


def make_app(fake=None, listen_host="127.0.0.1", **limits):
    limits = ServeLimits(**limits)
    fake = fake or FakeCartoonizer()
    return create_app(lambda: fake, limits, listen_host=listen_host), limits


def post_headers(port: int, length: int, extra: str = "", path: str = "/api/cartoonize") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: image/png\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n").encode()


def asgi_call(app, method, path, **kwargs):
    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000", timeout=30) as client:
            return await client.request(method, path, **kwargs)
    return asyncio.run(run())


def assert_json_error(status, headers, body, expected_status, code=None):
    """One clear answer: the status, JSON content type, exactly `error` and `message`."""
    assert status == expected_status, body[:300]
    assert headers["content-type"].split(";")[0] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"  # never sniffed and rendered as a page
    payload = json.loads(body)
    assert set(payload) == {"error", "message"} and payload["message"].strip()
    if code is not None:
        assert payload["error"] == code, payload
    return payload


def wait_for_answer(sock: socket.socket, timeout: float) -> bytes:
    """The first bytes the server sends within `timeout`; b"" if it closed or sent nothing."""
    sock.settimeout(timeout)
    try:
        return sock.recv(65536)
    except (TimeoutError, ConnectionResetError):
        return b""


def trickle_until_cut_off(sock: socket.socket, byte: bytes | None, limit_s: float) -> tuple[bytes, bool, float]:
    """Sends `byte` (None: nothing) every 0.25 s until the server answers or closes, for `limit_s` at most.

    Returns:
        (everything the server sent, whether it closed the connection, seconds until it answered or closed).
    """
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if byte is not None:
            try:
                sock.sendall(byte)
            except OSError:  # closed under us
                return b"", True, time.monotonic() - start
        readable, _, _ = select.select([sock], [], [], 0.25)
        if readable:
            elapsed = time.monotonic() - start
            try:
                first = sock.recv(65536)
            except ConnectionResetError:
                return b"", True, elapsed
            if not first:
                return b"", True, elapsed
            rest = read_until_closed(sock, SLACK_S)
            return first + rest, _closed(sock), elapsed
    return b"", False, time.monotonic() - start


def _closed(sock: socket.socket) -> bool:
    """Whether the server has closed `sock` (end of stream or reset), without waiting."""
    sock.settimeout(0.01)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


# 1. Deadlines and the connection cap.

@pytest.mark.parametrize("byte", [b"x", None], ids=["byte-by-byte", "stalled"])
def test_slow_upload_is_cut_off_at_the_body_deadline(byte):
    # The job timeout is long: only the body deadline can end this request early.
    app, limits = make_app(body_timeout_s=1.0, header_timeout_s=30.0, timeout_s=30.0)
    with ThreadServer(app, limits) as server, server.connect() as sock:
        sock.sendall(post_headers(server.port, 1000))
        answer, closed, elapsed = trickle_until_cut_off(sock, byte, 1.0 + SLACK_S)
    status, headers, body = parse_response(answer)
    assert_json_error(status, headers, body, 408, "request_timeout")
    assert "1 s limit" in json.loads(body)["message"]
    assert closed and 0.9 <= elapsed < 1.0 + SLACK_S


@pytest.mark.parametrize("partial", [True, False], ids=["partial-headers", "idle"])
def test_slow_or_idle_connection_is_cut_off_at_the_header_deadline(partial):
    app, limits = make_app(header_timeout_s=1.0, body_timeout_s=30.0)
    with ThreadServer(app, limits) as server, server.connect() as sock:
        if partial:
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Slow: ".encode())
        # A header that never ends, or nothing at all.
        answer, closed, elapsed = trickle_until_cut_off(sock, b"a" if partial else None, 1.0 + SLACK_S)
    assert closed and 0.9 <= elapsed < 1.0 + SLACK_S
    if partial:  # a started request is told why; an idle connection is just closed
        status, headers, body = parse_response(answer)
        assert_json_error(status, headers, body, 408, "request_timeout")
    else:
        assert answer == b""


def test_half_open_connections_do_not_starve_other_clients():
    app, limits = make_app(max_connections=8, header_timeout_s=30.0)
    with ThreadServer(app, limits) as server:
        half_open = []
        try:
            for _ in range(24):  # three times the cap, each stuck in its headers
                sock = server.connect()
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Slow: a".encode())
                half_open.append(sock)
            start = time.monotonic()
            health = httpx.get(server.url + "/healthz", timeout=10)
            elapsed = time.monotonic() - start
            # 25 connections, 8 places: the 17 oldest half-open ones were closed to make room.
            closed = set()
            deadline = time.monotonic() + SLACK_S
            while len(closed) < 17 and time.monotonic() < deadline:
                readable, _, _ = select.select([s for s in half_open if s not in closed], [], [], 0.05)
                closed.update(s for s in readable if _closed(s))
            readable, _, _ = select.select([s for s in half_open if s not in closed], [], [], 0.2)
            closed.update(s for s in readable if _closed(s))
            oldest_closed = all(s in closed for s in half_open[:17])
        finally:
            for sock in half_open:
                sock.close()
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert elapsed < SLACK_S
    assert len(closed) == 17 and oldest_closed


def test_extra_connections_are_refused_at_once_when_all_have_requests_in_progress():
    app, limits = make_app(max_connections=4, body_timeout_s=30.0, header_timeout_s=30.0)
    with ThreadServer(app, limits) as server:
        busy = [server.connect() for _ in range(4)]
        try:
            for sock in busy:  # "100 Continue": the request is in the app, waiting for a body that never comes
                sock.sendall(post_headers(server.port, 1000, "Expect: 100-continue\r\n"))
                assert wait_for_answer(sock, 10).startswith(b"HTTP/1.1 100")
            start = time.monotonic()
            refused = raw_request(server.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            elapsed = time.monotonic() - start
            busy.pop().close()  # one request ends: there is room again
            for _ in range(100):
                health = httpx.get(server.url + "/healthz", timeout=10)
                if health.status_code == 200:
                    break
                time.sleep(0.05)
        finally:
            for sock in busy:
                sock.close()
    status, headers, body = parse_response(refused)
    assert_json_error(status, headers, body, 503, "busy")
    assert headers["retry-after"] == "5" and elapsed < SLACK_S
    assert health.status_code == 200


@pytest.mark.parametrize("name", ["timeout_s", "header_timeout_s", "body_timeout_s"])
@pytest.mark.parametrize("value", [0.0, -1.0, float("inf"), float("nan")])
def test_every_wait_has_an_end(name, value):
    with pytest.raises(ValueError, match=f"{name} must be > 0 and finite"):
        ServeLimits(**{name: value})


# 2. Host names, origins, and what --host exposes.

@pytest.mark.parametrize("host, allowed", [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("[::1]:8000", True), ("LOCALHOST.", True),
    ("evil.example", False), ("evil.example:8000", False), ("127.0.0.1.nip.io:8000", False),
    ("localhost.evil.example", False), ("192.168.1.20:8000", False), ("", False), ("127.0.0.1:x", False),
])
def test_dns_rebinding_unknown_host_names_are_refused(host, allowed):
    fake = FakeCartoonizer()
    app, _ = make_app(fake)
    page = asgi_call(app, "GET", "/api/info", headers={"host": host})
    upload = asgi_call(app, "POST", "/api/cartoonize", content=GREY_PNG,
                       headers={"host": host, "content-type": "image/png"})
    if allowed:
        assert page.status_code == 200 and upload.json()["error"] == "no_face" and fake.calls == 1
    else:
        for response in (page, upload):
            assert_json_error(response.status_code, response.headers, response.content, 403, "forbidden_host")
        assert fake.calls == 0


@pytest.mark.parametrize("listen_host, host, allowed", [
    ("0.0.0.0", "192.168.1.20:8000", True), ("0.0.0.0", "[fe80::1]:8000", True), ("0.0.0.0", "evil.example", False),
    ("192.168.1.20", "192.168.1.20:8000", True), ("192.168.1.20", "10.0.0.1:8000", False),
    ("myhost.lan", "myhost.lan:8000", True), ("myhost.lan", "evil.example:8000", False),
])
def test_the_listening_address_is_served_too(listen_host, host, allowed):
    app, _ = make_app(listen_host=listen_host)
    response = asgi_call(app, "GET", "/healthz", headers={"host": host})
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("headers, allowed", [
    ({"origin": "http://evil.example"}, False),
    ({"origin": "null"}, False),  # sandboxed frames, file:// pages
    ({"origin": "http://localhost:8000"}, False),  # another origin, even on this machine
    ({"origin": "http://127.0.0.1:3000"}, False),  # another local server
    ({"origin": "https://127.0.0.1:8000"}, False),
    ({"sec-fetch-site": "cross-site"}, False),
    ({"sec-fetch-site": "same-site"}, False),
    ({"origin": "http://127.0.0.1:8000", "sec-fetch-site": "cross-site"}, False),
    ({"origin": "http://127.0.0.1:8000", "sec-fetch-site": "same-origin"}, True),  # the page itself
    ({"sec-fetch-site": "none"}, True),
    ({}, True),  # curl and scripts send neither
])
def test_cross_origin_uploads_are_refused(headers, allowed):
    fake = FakeCartoonizer()
    app, _ = make_app(fake)
    # text/plain and forms are what a page may POST elsewhere without asking first.
    for content, content_type in ((GREY_PNG, "image/png"), (GREY_PNG, "text/plain")):
        response = asgi_call(app, "POST", "/api/cartoonize", content=content,
                             headers={"content-type": content_type, **headers})
        if allowed:
            assert response.status_code in (415, 422)
        else:
            assert_json_error(response.status_code, response.headers, response.content, 403, "cross_origin")
    form = asgi_call(app, "POST", "/api/cartoonize", files={"image": ("a.png", GREY_PNG, "image/png")},
                     headers=headers)
    assert form.status_code == (422 if allowed else 403)
    assert fake.calls == (2 if allowed else 0)


def test_no_cross_origin_reads_are_allowed():
    app, _ = make_app()
    preflight = asgi_call(app, "OPTIONS", "/api/cartoonize", headers={
        "origin": "http://evil.example", "access-control-request-method": "POST"})
    responses = [preflight, asgi_call(app, "GET", "/api/info", headers={"origin": "http://evil.example"}),
                 asgi_call(app, "GET", "/healthz", headers={"origin": "http://evil.example"})]
    assert_json_error(preflight.status_code, preflight.headers, preflight.content, 405, "method_not_allowed")
    for response in responses:
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]


def test_listening_on_every_interface_prints_what_it_exposes(capsys, monkeypatch):
    served = {}

    def listen_on_loopback(host, port):  # the test never opens a port beyond this machine
        return socket.create_server(("127.0.0.1", 0))

    def record(app, limits, sock):
        served.update(app=app, limits=limits)
        sock.close()

    monkeypatch.setattr(serve_cli, "_listen", listen_on_loopback)
    monkeypatch.setattr(serve_cli, "run_server", record)
    assert main(["serve", "--weights", TINY_ONNX, "--host", "0.0.0.0", "--port", "0", "--threads", "1"]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "--host 0.0.0.0 listens on every network interface" in warnings[0]
    assert "can upload photos and download the results" in warnings[0] and "no password" in warnings[0]
    # ...and the server it built answers to this machine's other addresses, not to other names.
    assert asgi_call(served["app"], "GET", "/healthz", headers={"host": "192.168.1.20:8000"}).status_code == 200
    assert asgi_call(served["app"], "GET", "/healthz", headers={"host": "evil.example:8000"}).status_code == 403


@pytest.mark.parametrize("host, warned", [
    ("127.0.0.1", False), ("localhost", False), ("::1", False), ("0.0.0.0", True), ("::", True),
    ("192.168.1.20", True),
])
def test_which_hosts_are_warned_about(host, warned):
    warning = exposure_warning(host, 8000)
    assert (warning is not None) == warned
    if warned:
        assert warning.startswith("warning:") and "8000" in warning and "\n" not in warning


# 3. Every error is the documented JSON.

class Broken:
    def cartoonize(self, image, all_faces=False, paste_back=False):
        raise RuntimeError("boom: /secret/path")


@pytest.mark.parametrize("method, path, kwargs, status, code", [
    ("POST", "/api/cartoonize", {"content": GREY_PNG, "params": {"all_faces": "maybe"}}, 400, "bad_request"),
    ("POST", "/api/cartoonize", {"content": b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n" + b"a" * 5000
                                 + b"\r\n--B--\r\n", "headers": {"content-type": "multipart/form-data; boundary=B"}},
     400, "bad_request"),
    ("POST", "/api/cartoonize", {"content": b"x", "headers": {"content-type": "multipart/form-data"}},
     400, "bad_request"),  # no boundary
    ("GET", "/nothing/here", {}, 404, "not_found"),
    ("GET", "/results/0123/pasted.png", {}, 404, "not_found"),
    ("GET", "/api/cartoonize", {}, 405, "method_not_allowed"),
    ("DELETE", "/api/cartoonize", {}, 405, "method_not_allowed"),
    ("POST", "/healthz", {}, 405, "method_not_allowed"),
    ("POST", "/api/cartoonize", {"content": b"x" * 2000, "headers": {"content-type": "image/png"}},
     413, "upload_too_large"),
    ("POST", "/api/cartoonize", {"content": b"hello", "headers": {"content-type": "text/plain"}},
     415, "unsupported_media_type"),
    ("POST", "/api/cartoonize", {"content": b"{}", "headers": {"content-type": "application/json"}},
     415, "unsupported_media_type"),
    ("POST", "/api/cartoonize", {"content": GREY_PNG, "headers": {"content-type": "image/png"}}, 500,
     "internal_error"),
])
def test_every_app_error_is_json(method, path, kwargs, status, code):
    app, _ = make_app(Broken(), max_upload_bytes=1000 if status == 413 else 10**6)
    response = asgi_call(app, method, path, **kwargs)
    payload = assert_json_error(response.status_code, response.headers, response.content, status, code)
    assert "boom" not in payload["message"] and "Traceback" not in response.text
    if status == 405:
        assert response.headers["allow"] and response.headers["allow"] in payload["message"]


@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Line\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 70_000,  # unfinished headers above 16 KB
    b"POST /api/cartoonize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
], ids=["request-line", "header-line", "huge-header", "two-lengths"])
def test_malformed_http_gets_a_json_400_from_the_server(request_bytes):
    app, limits = make_app()
    with ThreadServer(app, limits) as server:
        answer = raw_request(server.port, request_bytes)
    status, headers, body = parse_response(answer)
    assert_json_error(status, headers, body, 400, "bad_request")
    assert headers["connection"] == "close"


# Hostile cases that already held before: upload size, pixel bombs, the bounded queue, traversal.

def test_declared_oversized_upload_is_refused_before_its_body():
    app, limits = make_app(max_upload_bytes=100_000)
    with ThreadServer(app, limits) as server, server.connect() as sock:
        sock.sendall(post_headers(server.port, 50 * 2**20))  # says 50 MB, sends nothing
        answer = read_until_closed(sock, SLACK_S)
    status, headers, body = parse_response(answer)
    assert_json_error(status, headers, body, 413, "upload_too_large")
    assert headers["connection"] == "close"


def _png_claiming(width: int, height: int) -> bytes:
    """A valid PNG signature and header for `width` x `height` grey pixels, with one tiny IDAT."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("photo, max_pixels", [
    (_png_claiming(60_000, 60_000), 40_000_000),  # 3.6 gigapixels claimed in 100 bytes
    (png_bytes(np.zeros((4000, 4000), np.uint8)), 1_000_000),  # a real 16 MP image in a few KB
], ids=["header-bomb", "zlib-bomb"])
def test_decompression_bombs_are_refused_from_the_header(photo, max_pixels):
    assert len(photo) < 100_000
    fake = FakeCartoonizer()
    app, _ = make_app(fake, max_pixels=max_pixels)
    start = time.monotonic()
    response = asgi_call(app, "POST", "/api/cartoonize", content=photo, headers={"content-type": "image/png"})
    elapsed = time.monotonic() - start
    payload = assert_json_error(response.status_code, response.headers, response.content, 422, "unreadable_image")
    assert "exceeds" in payload["message"] and fake.calls == 0 and elapsed < 10


def test_full_queue_answers_busy_and_health_still_answers():
    fake = FakeCartoonizer(block=True)
    app, limits = make_app(fake, max_jobs=1, queue_size=0, timeout_s=30.0)
    with ThreadServer(app, limits) as server:
        first = {}
        worker = threading.Thread(target=lambda: first.update(
            response=httpx.post(server.url + "/api/cartoonize", content=GREY_PNG, timeout=30,
                                headers={"content-type": "image/png"})))
        worker.start()
        try:
            assert fake.started.acquire(timeout=10)  # the only worker is held
            second = httpx.post(server.url + "/api/cartoonize", content=GREY_PNG, timeout=10,
                                headers={"content-type": "image/png"})
            health = httpx.get(server.url + "/healthz", timeout=10)
        finally:
            fake.release.set()
            worker.join(30)
    assert_json_error(second.status_code, second.headers, second.content, 503, "busy")
    assert second.headers["retry-after"] == "5"
    assert health.status_code == 200 and (health.json()["running"], health.json()["waiting"]) == (1, 0)
    assert first["response"].json()["error"] == "no_face"


@pytest.mark.parametrize("target", [
    "/../../../../etc/passwd", "/results/../../../../etc/passwd", "/results/%2e%2e/%2e%2e/etc/passwd",
    "/results/x/..%2f..%2fapp.py", "/page.js/../app.py", "/..%2f..%2ftf_p2c%2fserve%2fapp.py",
    "/results/x/%2e%2e%2f%2e%2e%2f%2e%2e%2fREADME.md", "//etc/passwd",
])
def test_path_traversal_finds_nothing(target):
    app, limits = make_app()
    with ThreadServer(app, limits) as server:
        answer = raw_request(server.port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                             .encode())
    status, headers, body = parse_response(answer)
    assert_json_error(status, headers, body, 404, "not_found")
    assert b"root:" not in body and b"import" not in body
