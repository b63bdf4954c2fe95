"""ASGI middleware of the web planner: request size limit and security headers."""

from __future__ import annotations

import json

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; frame-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
REPORT_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)


async def send_json(send, status: int, payload: dict, headers: tuple = ()) -> None:
    """Answer a request with `payload` as JSON, straight from ASGI middleware."""
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: a request body over `limit` bytes gets 413 before it is parsed.

    Checks the declared Content-Length first, then counts the bytes as they
    arrive (a chunked body has no length to declare).
    """

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = int(limit)

    async def _reject(self, send) -> None:
        detail = {"detail": f"request body too large: at most {self.limit} bytes"}
        await send_json(send, 413, detail, ((b"connection", b"close"),))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                detail = {"detail": "malformed Content-Length header: a byte count"}
                await send_json(send, 400, detail, ((b"connection", b"close"),))
                return
            if int(declared) > self.limit:
                await self._reject(send)
                return
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)


class SecurityHeaders:
    """ASGI middleware: CSP (no external sources), nosniff, no referrer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_report = scope["path"].endswith("/report")

        async def add_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    csp = REPORT_CSP if is_report else PAGE_CSP
                    headers.append((b"content-security-policy", csp.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)


#: Host names that always reach a server bound to loopback
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: methods that change state: they need a same-origin (or no) Origin
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def host_name(value: str) -> str:
    """``example.org:8000`` -> ``example.org``; ``[::1]:8000`` -> ``::1``; lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def _origin_host(origin: str) -> str | None:
    """The host of an Origin header (None for ``null`` or anything not http(s))."""
    scheme, sep, rest = origin.strip().lower().partition("://")
    if not sep or scheme not in ("http", "https"):
        return None
    return host_name(rest.split("/", 1)[0])


class RequestGuard:
    """ASGI middleware against cross-site use of the API (DNS rebinding, CSRF).

    * ``Host`` must be one of `allowed_hosts` (ports ignored): a page on another
      site that rebinds its name to this machine's address sends its own name and
      gets 421;
    * a state-changing request (POST, ...) with an ``Origin`` header must come from
      an allowed host too (403): browsers send Origin on every cross-site POST;
      clients that send none (curl, scripts) are not browsers and pass;
    * a request with a body to ``/api/`` must declare ``Content-Type:
      application/json`` (415): a cross-site form or ``text/plain`` fetch cannot
      send that without a CORS preflight, which this server never grants.
    """

    def __init__(self, app, allowed_hosts):
        self.app = app
        self.allowed = frozenset(host_name(h) for h in allowed_hosts)

    def _refusal(self, scope) -> tuple[int, str] | None:
        headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = host_name(headers.get(b"host", ""))
        if host not in self.allowed:
            return 421, f"host {host!r} is not served here (see `resurfacer serve --allow-host`)"
        if scope["method"] not in STATE_CHANGING:
            return None
        origin = headers.get(b"origin")
        if origin is not None and _origin_host(origin) not in self.allowed:
            return 403, "cross-origin requests are not accepted"
        has_body = headers.get(b"content-length", "0") != "0" or b"transfer-encoding" in headers
        if has_body and scope["path"].startswith("/api/"):
            media = headers.get(b"content-type", "").split(";", 1)[0].strip().lower()
            if media != "application/json":
                return 415, "send the plan as JSON with Content-Type: application/json"
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, detail = refusal
        await send_json(send, status, {"detail": detail})
