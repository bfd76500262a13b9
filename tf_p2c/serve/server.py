"""The HTTP server under the app: uvicorn's h11 protocol with deadlines and a connection cap.

uvicorn alone gives a connection as long as it likes to send its request line and headers (its
keep-alive timeout stops as soon as one byte arrives), and its `limit_concurrency` answers 503 to
*every* request once that many connections are open, idle ones included: a few dozen half-open
sockets lock everyone out until they close. So each connection here gets:

- a header deadline: from when it opens, or its previous answer ends, it has
  `ServeLimits.header_timeout_s` to deliver complete headers; then it is closed (with a 408 if
  part of a request had arrived). The body's own deadline is `limits.BodyLimits`.
- a place under `ServeLimits.max_connections`: a newcomer beyond the cap closes the oldest
  connection that has no request in progress (idle keep-alive, or still sending headers), so
  half-open sockets cannot starve anyone; only when every connection has a request in progress
  (each bounded by the body deadline and the job timeout) is the newcomer told 503 "busy", at once.

Every answer written here is the app's JSON error shape.
"""

from __future__ import annotations

import functools
import http

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from tf_p2c.serve.limits import ServeLimits, error_body

# After a refusal, input is drained for this long before closing: closing a socket with unread
# input sends a TCP reset, which can destroy the answer before the client reads it.
LINGER_S = 1.0
# How long Ctrl-C waits for requests in progress before closing their connections.
GRACEFUL_SHUTDOWN_S = 5.0


def raw_error(status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A complete HTTP/1.1 JSON error answer that closes the connection."""
    body = error_body(code, message)
    lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}", "content-type: application/json",
             f"content-length: {len(body)}", "connection: close", "x-content-type-options: nosniff",
             *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class ConnectionSlots:
    """The open connections of one server, oldest first, at most `limit` of them."""

    def __init__(self, limit: int):
        self.limit = limit
        self._open: dict = {}  # insertion-ordered set

    def __len__(self):
        return len(self._open)

    def admit(self, connection) -> bool:
        """Makes room for `connection` (closing the oldest idle one if needed); False if there is none."""
        while len(self._open) >= self.limit:
            oldest_idle = next((c for c in self._open if c.idle), None)
            if oldest_idle is None:
                return False
            self.discard(oldest_idle)
            oldest_idle.evict()
        self._open[connection] = None
        return True

    def discard(self, connection):
        self._open.pop(connection, None)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline, a place under the connection cap, JSON errors.

    Built by `make_server` (uvicorn passes `config`, `server_state`, `app_state`).
    """

    def __init__(self, *args, limits: ServeLimits, slots: ConnectionSlots, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.slots = slots
        self._header_timer = None
        self._seen_cycle = None  # the request whose headers arrived last
        self._partial = False  # bytes of a next request arrived since the header deadline was set
        self._closing = False  # answered and closing: input is drained, not parsed

    @property
    def idle(self) -> bool:
        """No request in progress: between requests, or still sending headers."""
        return not self._closing and (self.cycle is None or self.cycle.response_complete)

    def connection_made(self, transport):
        super().connection_made(transport)
        if not self.slots.admit(self):
            self.logger.warning("Refused a connection: %d open, each with a request in progress.", len(self.slots))
            self._answer_and_close(503, "busy", "The server has too many connections with a request in "
                                   "progress. Please try again in a few seconds.", (("retry-after", "5"),))
            return
        self._arm_header_deadline()

    def connection_lost(self, exc):
        self.slots.discard(self)
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data):
        if self._closing:
            return  # drained: the connection has had its answer
        self._partial = True
        super().data_received(data)
        self._note_request_start()

    def on_response_complete(self):
        super().on_response_complete()  # may start a pipelined request
        if not self.transport.is_closing() and not self._closing and not self._note_request_start():
            self._arm_header_deadline()

    def send_400_response(self, msg: str):
        self._answer_and_close(400, "bad_request", "This is not a valid HTTP request (malformed request line or "
                               "headers, or headers larger than the server accepts).")

    def evict(self):
        """Closes this idle connection to make room for a new one."""
        self._disarm_header_deadline()
        self._closing = True
        self.transport.close()

    def _note_request_start(self) -> bool:
        """True (and the header deadline dropped) if the headers of a new request have arrived."""
        if self.cycle is not None and self.cycle is not self._seen_cycle:
            self._seen_cycle = self.cycle
            self._disarm_header_deadline()
            return True
        return False

    def _arm_header_deadline(self):
        self._disarm_header_deadline()
        self._partial = False
        self._header_timer = self.loop.call_later(self.limits.header_timeout_s, self._header_deadline_passed)

    def _disarm_header_deadline(self):
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline_passed(self):
        self._header_timer = None
        if self.transport.is_closing() or self._closing:
            return
        # A request was started and never finished: say why. An idle connection is just closed,
        # as a keep-alive timeout does (an answer nobody asked for would confuse the client).
        if self._partial and self.conn.our_state is h11.IDLE:
            self._answer_and_close(408, "request_timeout", f"The request headers did not arrive within the "
                                   f"{self.limits.header_timeout_s:g} s limit.")
        else:
            self._closing = True
            self.transport.close()

    def _answer_and_close(self, status: int, code: str, message: str, headers=()):
        self._disarm_header_deadline()
        self._closing = True
        self.transport.write(raw_error(status, code, message, headers))
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the client sees the answer, then the end of the stream
        self.loop.call_later(LINGER_S, self.transport.close)


def make_server(app, limits: ServeLimits, log_level: str = "info") -> uvicorn.Server:
    """A uvicorn server for `app` with `limits`' deadlines and connection cap.

    Example:
        >>> sock = socket.create_server(("127.0.0.1", 8000))
        >>> make_server(create_app(make_cartoonizer, limits), limits).run(sockets=[sock])
    """
    protocol = functools.partial(GuardedH11Protocol, limits=limits, slots=ConnectionSlots(limits.max_connections))
    config = uvicorn.Config(app, http=protocol, ws="none", lifespan="on", log_level=log_level,
                            limit_concurrency=None,  # the connection cap above replaces it
                            timeout_keep_alive=5, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    return uvicorn.Server(config)
