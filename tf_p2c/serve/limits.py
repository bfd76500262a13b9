"""What the server accepts, and the ASGI middleware that enforces the upload size.

Every limit keeps one bad or unlucky request from taking the server down: the body size bounds
memory before decoding, the pixel count bounds the decoded photo, the job and queue sizes bound
CPU and memory under load (the rest are told "busy"), and the timeout bounds how long a client
waits.
"""

from __future__ import annotations

import dataclasses
import json

from tf_p2c.image_io import DEFAULT_MAX_PIXELS

MB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ServeLimits:
    """Limits of one server.

    Args:
        max_upload_bytes: largest request body; larger ones get 413 before the photo is read.
        max_pixels: largest photo in pixels; larger JPEGs are decoded downscaled, other formats
            are refused from their header (see `tf_p2c.image_io.decode_image`).
        max_jobs: photos cartoonized at the same time (one worker thread each).
        queue_size: photos that may wait for a worker; beyond that requests get 503 "busy".
        timeout_s: longest a request may wait and run; then it gets 504.
        keep_results: finished jobs whose images stay downloadable (oldest dropped first).
        max_result_bytes: total encoded bytes of kept results (oldest dropped first).

    Example:
        >>> limits = ServeLimits(max_upload_bytes=5 * MB, max_jobs=2)
        >>> limits.max_in_flight
        6
    """

    max_upload_bytes: int = 10 * MB
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_jobs: int = 1
    queue_size: int = 4
    timeout_s: float = 60.0
    keep_results: int = 32
    max_result_bytes: int = 256 * MB

    def __post_init__(self):
        for name in ("max_upload_bytes", "max_pixels", "max_jobs", "keep_results", "max_result_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1. Received: {name}={getattr(self, name)}")
        if self.queue_size < 0:
            raise ValueError(f"queue_size must be >= 0. Received: queue_size={self.queue_size}")
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0. Received: timeout_s={self.timeout_s}")

    @property
    def max_in_flight(self) -> int:
        """Requests running or waiting at once."""
        return self.max_jobs + self.queue_size

    def public(self) -> dict:
        """The limits a client needs to know (shown on the page, checked there before uploading)."""
        return {"max_upload_bytes": self.max_upload_bytes, "max_pixels": self.max_pixels,
                "max_jobs": self.max_jobs, "queue_size": self.queue_size, "timeout_s": self.timeout_s}


def human_size(n_bytes: int) -> str:
    """1536 -> "1.5 KB"; 10485760 -> "10.0 MB"."""
    if n_bytes >= MB:
        return f"{n_bytes / MB:.1f} MB"
    return f"{n_bytes / 1024:.1f} KB" if n_bytes >= 1024 else f"{n_bytes} bytes"


def too_large_message(limit_bytes: int) -> str:
    return f"The upload is too large: the limit is {human_size(limit_bytes)} per photo."


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware answering 413 to POST bodies above a size, before the app reads them whole.

    A declared `Content-Length` above the limit is refused at once; a body sent without one
    (chunked) is counted as it arrives and refused as soon as it passes the limit.

    Args:
        app: the ASGI app to wrap.
        max_bytes: largest accepted body.
    """

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send):
        body = json.dumps({"error": "upload_too_large", "message": too_large_message(self.max_bytes)}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
