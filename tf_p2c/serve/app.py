"""The ASGI app: the page, the cartoonize endpoint, results for display and download.

Endpoints:
    GET  /                     the page (page.html, page.js).
    GET  /api/info             model label, untrained warning, limits.
    POST /api/cartoonize       multipart field `image` (or the raw image as the body); optional
                               fields or query parameters `all_faces`, `paste_back` (1/0).
                               200: faces, result URLs and per-stage timings; otherwise
                               `{"error": code, "message": one readable line}`.
    GET  /results/{job}/{name} a result PNG, or `cartoons.zip` with all of them.
    GET  /healthz              jobs running and waiting.

Every error, from any layer (routing, forms, limits, the HTTP server itself), is that same JSON
with `content-type: application/json`. Requests naming an unknown Host, and POSTs from another
origin, get 403 (see `tf_p2c.serve.guard`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tf_p2c.face.preprocessor import NoFaceError
from tf_p2c.image_io import ImageReadError, decode_image
from tf_p2c.serve.jobs import BusyError, JobQueue, JobTimeout, PerThread
from tf_p2c.serve.guard import HostPolicy, LocalOnly
from tf_p2c.serve.limits import BodyLimits, ServeLimits
from tf_p2c.serve.results import ZIP_NAME, ResultStore, StoredJob, result_files, safe_stem

LOG = logging.getLogger("tf_p2c.serve")
HERE = os.path.dirname(os.path.abspath(__file__))
PAGE_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' blob:; style-src 'self' 'unsafe-inline'",
    "x-content-type-options": "nosniff",
    "cache-control": "no-cache",
}
TRUE, FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no", "")
# Raw bodies: a photo's own type, or no type. `application/x-www-form-urlencoded` is what
# `curl --data-binary @photo.jpg` sends by default.
RAW_TYPES = ("", "application/octet-stream", "application/x-www-form-urlencoded")
HTTP_ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "upload_too_large",
                    415: "unsupported_media_type"}


class BadRequest(ValueError):
    """A request the endpoint cannot use; the message is shown to the user."""


class UnsupportedMediaType(BadRequest):
    """A body of a type that cannot hold a photo."""


def process_photo(cartoonizer, data: bytes, all_faces: bool, paste_back: bool, max_pixels: int):
    """Decodes, cartoonizes and encodes one uploaded photo (runs on a worker thread).

    Returns:
        (files from `result_files`, summary dict with `image`, `faces` and `timings_ms`).

    Raises:
        ImageReadError: not a usable image (one-line reason).
        NoFaceError: no face found.
    """
    start = time.perf_counter()
    image = decode_image(data, max_pixels=max_pixels)
    decode_ms = (time.perf_counter() - start) * 1000
    result = cartoonizer.cartoonize(image, all_faces=all_faces, paste_back=paste_back)
    if not result.faces:
        raise NoFaceError("No face was found in this photo. Try a portrait where the face is clearly visible, "
                          "upright and not too small.")
    start = time.perf_counter()
    files = result_files(result)
    encode_ms = (time.perf_counter() - start) * 1000
    timings = {"decode": decode_ms, **result.timings_ms, "encode": encode_ms}
    summary = {
        "image": {"width": int(image.shape[1]), "height": int(image.shape[0])},
        "faces": [{"index": i, "score": round(float(face.crop.score), 4), "size": int(face.cartoon.shape[0])}
                  for i, face in enumerate(result.faces)],
        "timings_ms": timings,
    }
    return files, summary


def _flag(value, name: str, default: bool) -> bool:
    if value is None:
        return default
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadRequest(f"{name} must be 1 or 0, got {str(value)[:20]!r}.")


def _error(status: int, code: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status,
                        headers={"x-content-type-options": "nosniff", **(headers or {})})


async def _read_upload(request):
    """(photo bytes, file name, all_faces, paste_back) from a multipart form or a raw body."""
    fields = dict(request.query_params)
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        try:
            async with request.form(max_files=1, max_fields=8, max_part_size=1024) as form:
                upload = form.get("image")
                if upload is None or isinstance(upload, str):
                    raise BadRequest("No photo in the upload: send it as the form field 'image'.")
                data, filename = await upload.read(), upload.filename
                fields.update({k: v for k, v in form.items() if isinstance(v, str)})
        except MultiPartException as error:
            raise BadRequest(f"Malformed upload: {error.message.rstrip('.')}.") from None
        except HTTPException as error:  # how Starlette reports a malformed form inside an app
            raise BadRequest(f"Malformed upload: {str(error.detail).rstrip('.')}.") from None
    elif content_type not in RAW_TYPES and not content_type.startswith("image/"):
        raise UnsupportedMediaType(f"A photo cannot be sent as {content_type[:60]}: send it as the multipart form "
                                   "field 'image', or as the raw body with its image type.")
    else:
        data, filename = await request.body(), fields.get("filename")
    all_faces = _flag(fields.get("all_faces"), "all_faces", False)
    return data, filename, all_faces, _flag(fields.get("paste_back"), "paste_back", True)


async def _http_error(request, error: HTTPException):
    """Routing and framework errors (404, 405, ...) as the JSON every other error uses."""
    status = error.status_code
    code = HTTP_ERROR_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    # The path is not echoed back: nothing a client sends is reflected into an answer.
    if status == 404:
        message = "There is nothing at this address: this server has the page at /, /api/cartoonize, /api/info, " \
                  "/healthz and /results/."
    elif status == 405:
        allowed = next((v for k, v in (error.headers or {}).items() if k.lower() == "allow"), "")
        message = f"{request.method[:20]} is not allowed at this address" + (f"; use {allowed}." if allowed else ".")
    else:
        message = str(error.detail).rstrip(".")[:200] + "."
    return _error(status, code, message, headers=error.headers)


async def _internal_error(request, error: Exception):
    # Starlette logs the trace; the client gets one line, never the trace.
    return _error(500, "internal_error", "The server failed on this request (see its log).")


def create_app(make_cartoonizer, limits: ServeLimits | None = None, model_info: dict | None = None,
               listen_host: str = "127.0.0.1"):
    """Builds the ASGI app.

    Args:
        make_cartoonizer: zero-argument callable returning a `Cartoonizer` (or any object with
            its `cartoonize(image, all_faces, paste_back)`); called once per worker thread, so
            runners and face models that are not thread-safe are never shared between jobs.
        limits: `ServeLimits` (defaults when None).
        model_info: shown on the page: `weights` (a label), `backend`, and `warning` (a banner,
            e.g. for an untrained generator).
        listen_host: the address the server listens on: with the loopback names, the only
            `Host` it answers to (`0.0.0.0` / `::`: any IP address too).

    Returns:
        A Starlette application.

    Example:
        >>> runner = make_runner("onnx", "photo2cartoon_weights.onnx")
        >>> limits = ServeLimits(max_jobs=2)
        >>> app = create_app(lambda: Cartoonizer(runner), limits)
        >>> make_server(app, limits).run(sockets=[socket.create_server(("127.0.0.1", 8000))])
    """
    limits = limits or ServeLimits()
    info = {"weights": "unknown", "backend": None, "warning": None, **(model_info or {})}
    cartoonizers = PerThread(make_cartoonizer)
    jobs = JobQueue(limits.max_jobs, limits.queue_size, limits.timeout_s)
    store = ResultStore(limits.keep_results, limits.max_result_bytes)
    with open(os.path.join(HERE, "page.html"), "rb") as f:
        page = f.read()
    with open(os.path.join(HERE, "page.js"), "rb") as f:
        script = f.read()

    def run_job(data, all_faces, paste_back):
        return process_photo(cartoonizers.get(), data, all_faces, paste_back, limits.max_pixels)

    async def cartoonize(request):
        try:
            data, filename, all_faces, paste_back = await _read_upload(request)
        except UnsupportedMediaType as error:
            return _error(415, "unsupported_media_type", str(error))
        except BadRequest as error:
            return _error(400, "bad_request", str(error))
        start = time.perf_counter()
        try:
            (files, summary), queued_ms = await jobs.run(run_job, data, all_faces, paste_back)
        except BusyError:
            counts = jobs.counts()
            return _error(503, "busy", f"The server is busy ({counts['running']} running, {counts['waiting']} waiting, "
                          "the most it takes). Please try again in a few seconds.", headers={"retry-after": "5"})
        except JobTimeout:
            return _error(504, "timeout", f"Cartoonizing took longer than the {limits.timeout_s:g} s limit. "
                          "Try a smaller photo, or try again when the server is less busy.")
        except ImageReadError as error:
            return _error(422, "unreadable_image", f"This file cannot be used as a photo: {str(error).rstrip('.')}.")
        except NoFaceError as error:
            return _error(422, "no_face", str(error))
        except Exception:  # noqa: BLE001 - one bad photo must not take the page down; the log has the trace
            LOG.exception("cartoonize failed on an upload of %d bytes", len(data))
            return _error(500, "internal_error", "The server failed on this photo (see its log). "
                          "Try another photo.")
        summary["timings_ms"] = {"queued": queued_ms, **summary["timings_ms"],
                                 "total": (time.perf_counter() - start) * 1000}
        stem = safe_stem(filename)
        job_id = store.add(StoredJob(files, summary, stem))
        base = f"/results/{job_id}/"
        for face in summary["faces"]:
            face.update({kind: f"{base}face{face['index']}_{kind}.png" for kind in ("crop", "mask", "cartoon")})
        payload = {"job": job_id, "file_name": stem, **summary,
                   "pasted": f"{base}pasted.png" if "pasted.png" in files else None,
                   "zip": base + ZIP_NAME, "downloads": {name: base + name for name in files}}
        return JSONResponse(payload)

    async def result(request):
        job = store.get(request.path_params["job"])
        name = request.path_params["name"]
        if job is None or (name != ZIP_NAME and name not in job.files):
            return _error(404, "not_found", f"This result is no longer kept (the server keeps the last "
                          f"{limits.keep_results}); upload the photo again.")
        if name == ZIP_NAME:
            return Response(job.zip_bytes(), media_type="application/zip", headers={
                "content-disposition": f'attachment; filename="{job.stem}_cartoons.zip"'})
        return Response(job.files[name], media_type="image/png", headers={
            "content-disposition": f'inline; filename="{job.stem}_{name}"',
            "cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"})

    async def index(request):
        return Response(page, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    async def page_js(request):
        return Response(script, media_type="text/javascript; charset=utf-8", headers=PAGE_HEADERS)

    async def api_info(request):
        return JSONResponse({**info, "limits": limits.public()})

    async def healthz(request):
        return JSONResponse({"status": "ok", **jobs.counts(), "results_kept": len(store)})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        jobs.shutdown()

    routes = [
        Route("/", index), Route("/page.js", page_js), Route("/api/info", api_info), Route("/healthz", healthz),
        Route("/api/cartoonize", cartoonize, methods=["POST"]), Route("/results/{job}/{name}", result),
    ]
    # Inside Starlette's error middleware, so an oversized or stalled body is answered 413 / 408,
    # not turned into a 500. The host and origin check comes first: a refused request reads nothing.
    middleware = [Middleware(LocalOnly, policy=HostPolicy(listen_host)),
                  Middleware(BodyLimits, max_bytes=limits.max_upload_bytes, timeout_s=limits.body_timeout_s)]
    handlers = {HTTPException: _http_error, Exception: _internal_error}
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan)
