"""What the server accepts, and the ASGI middleware that enforces the upload size and deadline.

Every limit keeps one bad or unlucky request from taking the server down: the body size bounds
memory before decoding, the pixel count bounds the decoded photo, the job and queue sizes bound
CPU and memory under load (the rest are told "busy"), the timeout bounds how long a client
waits, and the header and body deadlines and the connection cap bound what slow or idle clients
can hold (see `tf_p2c.serve.server`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math

from starlette.requests import ClientDisconnect

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
        header_timeout_s: longest a connection may take to send a request's headers, counted from
            when it opens or its previous answer ends; then it is closed (408 if it had started).
        body_timeout_s: longest a request may take to send its body once its headers are in;
            then it gets 408 and the connection is closed.
        max_connections: open connections; beyond that the oldest one without a request in
            progress is closed, and when every one has a request in progress the newcomer gets
            503 at once.

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
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_connections: int = 64

    def __post_init__(self):
        for name in ("max_upload_bytes", "max_pixels", "max_jobs", "keep_results", "max_result_bytes",
                     "max_connections"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1. Received: {name}={getattr(self, name)}")
        if self.queue_size < 0:
            raise ValueError(f"queue_size must be >= 0. Received: queue_size={self.queue_size}")
        for name in ("timeout_s", "header_timeout_s", "body_timeout_s"):
            if not 0 < getattr(self, name) < math.inf:  # also refuses NaN: every wait has an end
                raise ValueError(f"{name} must be > 0 and finite. Received: {name}={getattr(self, name)}")

    @property
    def max_in_flight(self) -> int:
        """Requests running or waiting at once."""
        return self.max_jobs + self.queue_size

    def public(self) -> dict:
        """The limits a client needs to know (shown on the page, checked there before uploading)."""
        return {"max_upload_bytes": self.max_upload_bytes, "max_pixels": self.max_pixels,
                "max_jobs": self.max_jobs, "queue_size": self.queue_size, "timeout_s": self.timeout_s,
                "body_timeout_s": self.body_timeout_s}


def error_body(code: str, message: str) -> bytes:
    """The JSON of every refusal: `{"error": code, "message": one readable sentence}`."""
    return json.dumps({"error": code, "message": message}, separators=(",", ":")).encode()


def human_size(n_bytes: int) -> str:
    """1536 -> "1.5 KB"; 10485760 -> "10.0 MB"."""
    if n_bytes >= MB:
        return f"{n_bytes / MB:.1f} MB"
    return f"{n_bytes / 1024:.1f} KB" if n_bytes >= 1024 else f"{n_bytes} bytes"


def too_large_message(limit_bytes: int) -> str:
    return f"The upload is too large: the limit is {human_size(limit_bytes)} per photo."


class _BodyTooLarge(Exception):
    pass


class _BodyTooSlow(Exception):
    pass


class BodyLimits:
    """ASGI middleware answering 413 to bodies above a size and 408 to bodies that arrive too slowly.

    A declared `Content-Length` above the limit is refused at once; a body sent without one
    (chunked) is counted as it arrives and refused as soon as it passes the limit. The whole body
    must arrive within `timeout_s` of the request's headers, however it trickles in: without
    that, a client sending a byte a second would hold its connection (and its memory) for as long
    as it likes, since the job timeout only starts once the body is in. Both answers close the
    connection. A client that disconnects mid-body ends its request quietly.

    Args:
        app: the ASGI app to wrap.
        max_bytes: largest accepted body.
        timeout_s: longest a body may take to arrive.
    """

    def __init__(self, app, max_bytes: int, timeout_s: float):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await _refuse(send, 413, "upload_too_large", too_large_message(self.max_bytes))
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        received = 0
        body_done = False
        started = False

        async def guarded_receive():
            nonlocal received, body_done
            if body_done:  # later calls only wait for a disconnect, which has no deadline
                return await receive()
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), max(remaining, 0))
            except asyncio.TimeoutError:
                raise _BodyTooSlow() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > self.max_bytes:
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except ClientDisconnect:
            return  # nobody is left to answer
        except (_BodyTooLarge, _BodyTooSlow) as error:
            if started:
                raise
            if isinstance(error, _BodyTooLarge):
                await _refuse(send, 413, "upload_too_large", too_large_message(self.max_bytes))
            else:
                await _refuse(send, 408, "request_timeout", f"The upload did not arrive within the "
                              f"{self.timeout_s:g} s limit: the connection is too slow or stalled.")


async def _refuse(send, status: int, code: str, message: str):
    body = error_body(code, message)
    # `connection: close`: the rest of the body is never read, so the connection cannot be reused.
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})
