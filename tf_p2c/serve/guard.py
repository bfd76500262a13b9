"""Who may talk to the page: the Host header and the origin of state-changing requests.

The server has no authentication, so it must not be reachable from web pages the user happens to
visit. Two browser attacks reach a server on 127.0.0.1 all the same:

- DNS rebinding: a page on `evil.example` makes its name resolve to 127.0.0.1; the browser then
  treats the local server as same-origin with the attacker's page and lets it read the answers.
  The `Host` header still says `evil.example`, so only known names and addresses are served.
- Cross-origin requests: any page may POST a form (or a `fetch` with a "simple" content type) to
  http://127.0.0.1:8000 without asking first. Such a POST carries the attacker's `Origin` (and,
  in current browsers, `Sec-Fetch-Site: cross-site`), so POSTs from another origin are refused.
  No CORS headers are ever sent, so other origins cannot read any answer either.
"""

from __future__ import annotations

import ipaddress
import urllib.parse

from starlette.responses import JSONResponse

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# `none`: the user typed or bookmarked the address; `same-origin`: the page itself.
SAFE_FETCH_SITES = ("same-origin", "none")


def _ip(name: str):
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def split_host(value: str) -> tuple[str, int | None] | None:
    """`Host` header value -> (lower-case name without brackets, port or None); None if malformed.

    Example:
        >>> split_host("[::1]:8000"), split_host("LocalHost"), split_host("a:b")
        (('::1', 8000), ('localhost', None), None)
    """
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or _ip(name) is None:
            return None
    else:
        name, colon, rest = value.partition(":")
        rest = colon + rest
    if rest and not (rest.startswith(":") and rest[1:].isdigit() and int(rest[1:]) <= 65535):
        return None
    name = name.rstrip(".")  # "localhost." is the same name
    return (name, int(rest[1:]) if rest else None) if name else None


class HostPolicy:
    """The names a server listening on `listen_host` answers to.

    Always `localhost`, `127.0.0.1` and `[::1]`, plus `listen_host` itself. A server listening on
    every interface (`0.0.0.0` or `::`) also answers to any IP address, since it cannot know all
    of this machine's addresses; rebinding needs a name, so IP addresses are safe to allow.

    Example:
        >>> HostPolicy("127.0.0.1").allows("evil.example"), HostPolicy("0.0.0.0").allows("192.168.1.20")
        (False, True)
    """

    def __init__(self, listen_host: str = "127.0.0.1"):
        self.listen_host = listen_host
        self.names = set(LOOPBACK_NAMES)
        self.any_address = listen_host in WILDCARDS
        if not self.any_address:
            self.names.add(listen_host.strip("[]").lower().rstrip("."))

    def allows(self, name: str) -> bool:
        return name in self.names or (self.any_address and _ip(name) is not None)


def _origin_matches(origin: str, scheme: str, host: tuple[str, int | None]) -> bool:
    """Whether an `Origin` header names this very server (scheme, host and port)."""
    default = {"http": 80, "https": 443}
    try:
        parts = urllib.parse.urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != scheme or parts.hostname is None:
        return False
    return (parts.hostname, port or default.get(parts.scheme)) == (host[0], host[1] or default.get(scheme))


class LocalOnly:
    """ASGI middleware refusing (403, JSON) unknown Host names and cross-origin state changes.

    Args:
        app: the ASGI app to wrap.
        policy: the `HostPolicy` of the address the server listens on.
    """

    def __init__(self, app, policy: HostPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            refused = self.check(scope)
            if refused is not None:
                code, message = refused
                response = JSONResponse({"error": code, "message": message}, status_code=403,
                                        headers={"connection": "close", "x-content-type-options": "nosniff"})
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)

    def check(self, scope) -> tuple[str, str] | None:
        """(error code, message) when the request must be refused, else None."""
        headers = {}
        for key, value in scope["headers"]:
            headers.setdefault(key.decode("latin-1"), value.decode("latin-1"))
        host = split_host(headers.get("host", ""))
        if host is None or not self.policy.allows(host[0]):
            shown = headers.get("host", "")[:60] or "none"
            return "forbidden_host", (f"This server only answers to the addresses it listens on, not to the host "
                                      f"name {shown!r}: open it at http://127.0.0.1 or http://localhost.")
        if scope["method"] in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site", "").strip().lower()
        if (origin is not None and not _origin_matches(origin, scope.get("scheme", "http"), host)) or (
                site and site not in SAFE_FETCH_SITES):
            return "cross_origin", ("Uploads are only accepted from this server's own page, not from another "
                                    "web site or origin.")
        return None

