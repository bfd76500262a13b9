"""The web app's HTTP API, through httpx's ASGI transport (no sockets): results and every refusal."""

from __future__ import annotations

import asyncio
import io
import threading
import time
import zipfile

import httpx
import numpy as np
import pytest
from serve_helpers import SAMPLE, TWO_FACES, png_bytes, read_png

from tf_p2c.cartoonize.pipeline import Cartoonizer, CartoonResult
from tf_p2c.image_io import read_image
from tf_p2c.serve.app import create_app
from tf_p2c.serve.limits import ServeLimits
from tf_p2c.serve.results import safe_stem


def call(app, *requests):
    """Runs coroutines `request(client)` concurrently against `app`; returns their results in order."""
    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=30) as client:
            return await asyncio.gather(*(request(client) for request in requests))

    return asyncio.run(main())


def post_file(data: bytes, name="photo.png", **fields):
    async def request(client):
        return await client.post("/api/cartoonize", files={"image": (name, data, "image/png")},
                                 data={k: str(v) for k, v in fields.items()})
    return request


def get(path):
    async def request(client):
        return await client.get(path)
    return request


@pytest.fixture(scope="module")
def app(tiny_runner):
    return create_app(lambda: Cartoonizer(tiny_runner), ServeLimits(keep_results=4))


def test_sample_gives_every_stage_as_downloadable_pngs(app, tiny_runner, sample_bytes):
    (response,) = call(app, post_file(sample_bytes, "astronaut.png"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["file_name"] == "astronaut" and body["image"] == {"width": 512, "height": 512}
    assert len(body["faces"]) == 1
    face = body["faces"][0]
    assert {"queued", "decode", "preprocess", "generator", "paste_back", "encode", "total"} <= set(body["timings_ms"])
    stages = sum(body["timings_ms"][k] for k in ("decode", "preprocess", "generator", "paste_back", "encode"))
    assert body["timings_ms"]["total"] >= stages > 0

    crop, mask, cartoon, pasted, archive = call(
        app, get(face["crop"]), get(face["mask"]), get(face["cartoon"]), get(body["pasted"]), get(body["zip"]))
    for response in (crop, mask, cartoon, pasted):
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    # The served images are the pipeline's own output on the same photo (tiny generator: 64 px).
    expected = Cartoonizer(tiny_runner).cartoonize(read_image(SAMPLE), paste_back=True)
    np.testing.assert_array_equal(read_png(crop.content), expected.faces[0].crop.image)
    np.testing.assert_array_equal(read_png(cartoon.content), expected.faces[0].cartoon)
    np.testing.assert_array_equal(read_png(pasted.content), expected.pasted)
    served_mask = read_png(mask.content)
    assert served_mask.shape == (64, 64) and served_mask.dtype == np.uint8
    assert np.abs(served_mask / 255.0 - expected.faces[0].crop.mask).max() <= 0.5 / 255 + 1e-6
    assert 'attachment; filename="astronaut_cartoons.zip"' == archive.headers["content-disposition"]
    names = sorted(zipfile.ZipFile(io.BytesIO(archive.content)).namelist())
    assert names == sorted(f"astronaut_{n}" for n in
                           ("face0_crop.png", "face0_mask.png", "face0_cartoon.png", "pasted.png", "result.json"))


def test_every_face_and_no_paste_back(app):
    with open(TWO_FACES, "rb") as f:
        data = f.read()
    both, largest = call(app, post_file(data, "two.jpg", all_faces=1, paste_back=0), post_file(data, "two.jpg"))
    assert both.status_code == 200 and largest.status_code == 200
    assert len(both.json()["faces"]) == 2 and len(largest.json()["faces"]) == 1
    assert both.json()["pasted"] is None and "pasted.png" not in both.json()["downloads"]
    assert largest.json()["pasted"] is not None


def test_raw_body_upload(app, sample_bytes):
    async def raw(client):
        return await client.post("/api/cartoonize?filename=me.png&paste_back=0", content=sample_bytes,
                                 headers={"content-type": "image/png"})

    (response,) = call(app, raw)
    assert response.status_code == 200 and response.json()["file_name"] == "me"


@pytest.mark.parametrize("data, status, code, text", [
    (b"this is a text file, not a photo", 422, "unreadable_image", "not an image"),
    (b"", 422, "unreadable_image", "empty file"),
    (None, 422, "unreadable_image", "truncated or corrupt PNG"),  # None: the corrupt PNG fixture
    ("grey", 422, "no_face", "No face was found"),
])
def test_bad_uploads_get_a_readable_message(app, corrupt_png, grey_png, data, status, code, text):
    data = {None: corrupt_png, "grey": grey_png}.get(data, data)
    (response,) = call(app, post_file(data))
    assert response.status_code == status
    assert response.json()["error"] == code and text in response.json()["message"]


def test_missing_field_and_bad_option(app, sample_bytes):
    async def no_image(client):
        return await client.post("/api/cartoonize", files={"photo": ("a.png", sample_bytes, "image/png")})

    missing, bad_flag = call(app, no_image, post_file(sample_bytes, all_faces="maybe"))
    assert missing.status_code == 400 and "form field 'image'" in missing.json()["message"]
    assert bad_flag.status_code == 400 and "all_faces must be 1 or 0" in bad_flag.json()["message"]


def test_upload_size_limit_declared_and_streamed(tiny_runner, sample_bytes):
    app = create_app(lambda: Cartoonizer(tiny_runner), ServeLimits(max_upload_bytes=100_000))

    async def chunked(client):
        async def body():  # no Content-Length: the middleware must count what arrives
            for start in range(0, len(sample_bytes), 16_384):
                yield sample_bytes[start:start + 16_384]
        return await client.post("/api/cartoonize", content=body(), headers={"content-type": "image/png"})

    declared, streamed = call(app, post_file(sample_bytes), chunked)
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json() == {"error": "upload_too_large",
                                   "message": "The upload is too large: the limit is 97.7 KB per photo."}


def test_pixel_limit_refuses_from_the_header(tiny_runner):
    app = create_app(lambda: Cartoonizer(tiny_runner), ServeLimits(max_pixels=100_000))
    (response,) = call(app, post_file(png_bytes(np.full((400, 400, 3), 90, np.uint8))))
    assert response.status_code == 422
    assert "400x400 = 0.2 MP exceeds the 0 MP limit" in response.json()["message"]


class BlockingCartoonizer:
    """Holds its worker until released; then finds no face."""

    def __init__(self):
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def cartoonize(self, image, all_faces=False, paste_back=False):
        self.started.release()
        self.release.wait(10)
        return CartoonResult(faces=[], pasted=None, timings_ms={})


def test_busy_when_workers_and_queue_are_full(grey_png):
    fake = BlockingCartoonizer()
    app = create_app(lambda: fake, ServeLimits(max_jobs=1, queue_size=1))

    async def scenario(client):
        first = asyncio.create_task(client.post("/api/cartoonize", files={"image": ("a.png", grey_png)}))
        await asyncio.to_thread(fake.started.acquire, True, 10)  # the first job holds the only worker
        second = asyncio.create_task(client.post("/api/cartoonize", files={"image": ("b.png", grey_png)}))
        for _ in range(200):
            health = (await client.get("/healthz")).json()
            if health["waiting"] == 1:
                break
            await asyncio.sleep(0.01)
        assert (health["running"], health["waiting"]) == (1, 1)
        third = await client.post("/api/cartoonize", files={"image": ("c.png", grey_png)})
        page_answers = (await client.get("/")).status_code  # the event loop is not blocked
        fake.release.set()
        return third, page_answers, await first, await second, (await client.get("/healthz")).json()

    ((third, page_answers, first, second, health),) = call(app, scenario)
    assert third.status_code == 503 and third.headers["retry-after"] == "5"
    assert third.json()["error"] == "busy" and "try again in a few seconds" in third.json()["message"]
    assert page_answers == 200
    assert first.json()["error"] == second.json()["error"] == "no_face"  # both queued jobs did run
    assert (health["running"], health["waiting"]) == (0, 0)


def test_timeout_answers_504_and_the_running_job_keeps_its_worker(grey_png):
    fake = BlockingCartoonizer()
    app = create_app(lambda: fake, ServeLimits(max_jobs=1, queue_size=0, timeout_s=0.3))

    async def scenario(client):
        start = time.perf_counter()
        slow = await client.post("/api/cartoonize", files={"image": ("a.png", grey_png)})
        elapsed = time.perf_counter() - start
        # The timed-out job still runs (threads cannot be stopped): its worker is not handed out.
        during = await client.post("/api/cartoonize", files={"image": ("b.png", grey_png)})
        fake.release.set()
        for _ in range(200):
            if (await client.get("/healthz")).json()["running"] == 0:
                break
            await asyncio.sleep(0.01)
        after = await client.post("/api/cartoonize", files={"image": ("c.png", grey_png)})
        return slow, elapsed, during, after

    ((slow, elapsed, during, after),) = call(app, scenario)
    assert slow.status_code == 504 and slow.json()["error"] == "timeout"
    assert "longer than the 0.3 s limit" in slow.json()["message"]
    assert 0.3 <= elapsed < 3
    assert during.status_code == 503
    assert after.json()["error"] == "no_face"


def test_an_unexpected_failure_is_a_readable_500(grey_png):
    class Broken:
        def cartoonize(self, image, all_faces=False, paste_back=False):
            raise RuntimeError("boom")

    app = create_app(lambda: Broken(), ServeLimits())
    (response,) = call(app, post_file(grey_png))
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error" and "boom" not in response.text


def test_old_results_expire_with_a_message(tiny_runner, sample_bytes):
    app = create_app(lambda: Cartoonizer(tiny_runner), ServeLimits(keep_results=1))
    (first,) = call(app, post_file(sample_bytes))
    (second,) = call(app, post_file(sample_bytes))
    gone, kept, unknown = call(app, get(first.json()["pasted"]), get(second.json()["pasted"]),
                               get(second.json()["pasted"].replace("pasted.png", "secret.txt")))
    assert gone.status_code == 404 and "no longer kept" in gone.json()["message"]
    assert kept.status_code == 200 and unknown.status_code == 404


def test_page_script_and_info():
    warning = "Untrained generator: pass --weights."
    app = create_app(lambda: None, ServeLimits(max_upload_bytes=5 * 2**20),
                     {"weights": "random", "backend": "keras", "warning": warning})
    page, script, info = call(app, get("/"), get("/page.js"), get("/api/info"))
    assert page.status_code == 200 and 'id="file"' in page.text and "/page.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert script.status_code == 200 and "/api/cartoonize" in script.text
    assert info.json()["warning"] == warning and info.json()["limits"]["max_upload_bytes"] == 5 * 2**20


@pytest.mark.parametrize("name, stem", [
    ("astronaut.png", "astronaut"), ("../../etc/passwd", "passwd"), ("C:\\photos\\my face (1).jpg", "my_face_1"),
    ("", "photo"), (None, "photo"), ('"><script>.png', "script"),
])
def test_download_names_are_safe(name, stem):
    assert safe_stem(name) == stem
