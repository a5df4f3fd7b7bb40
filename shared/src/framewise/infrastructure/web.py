"""ASGI middleware shared by the API and the ML service: correlation id and per-route metrics."""

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import Counter, Histogram

from framewise.contracts.ml import CORRELATION_HEADER
from framewise.infrastructure.logging import new_correlation_id

if TYPE_CHECKING:
    import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HTTP_REQUESTS = Counter(
    "framewise_http_requests_total", "HTTP requests by route, method and status", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "framewise_http_request_duration_seconds",
    "HTTP request latency by route and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

_HEADER = CORRELATION_HEADER.lower().encode()
_log = structlog.get_logger("framewise.http")


def _incoming_id(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == _HEADER:
            text = bytes(value).decode("latin-1").strip()
            if 0 < len(text) <= 64 and text.replace("-", "").replace("_", "").isalnum():
                return text
    return new_correlation_id()


class ObservabilityMiddleware:
    """Binds the request's correlation id (from `X-Correlation-ID`, or new), echoes it back, and
    counts and times the request under its route template, never its raw path."""

    def __init__(self, app: ASGIApp, *, quiet_paths: frozenset[str] = frozenset()) -> None:
        self.app, self.quiet_paths = app, quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _incoming_id(scope)
        status = 500
        started = time.perf_counter()

        async def send_with_header(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if not any(key.lower() == _HEADER for key, _ in headers):  # a problem document carries it already
                    headers.append((_HEADER, correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            scope.setdefault("state", {})["correlation_id"] = correlation_id
            try:
                await self.app(scope, receive, send_with_header)
            finally:
                elapsed = time.perf_counter() - started
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                HTTP_REQUESTS.labels(template, scope["method"], str(status)).inc()
                HTTP_LATENCY.labels(template, scope["method"]).observe(elapsed)
                if template not in self.quiet_paths:
                    _log.info(
                        "http_request",
                        method=scope["method"],
                        route=template,
                        status=status,
                        duration_ms=round(elapsed * 1000, 2),
                    )


HEADER_LIMIT_BYTES = 16 * 1024  # request headers together; a larger head is refused (431, or 400 from h11)


async def _refuse_large_head(scope: Scope, send: Send) -> None:
    body = json.dumps(
        {
            "type": "https://framewise.dev/problems/request-header-fields-too-large",
            "title": "Request Header Fields Too Large",
            "status": 431,
            "detail": f"the request's headers exceed {HEADER_LIMIT_BYTES} bytes",
            "instance": scope.get("path", ""),
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 431, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """Headers every answer carries: no MIME sniffing, no framing by other sites, no referrer, and
    no caching of anything asked for with credentials. JSON gets `default-src 'none'` as well (it
    is never a page); HTML pages (the API docs, later the UI) set their own policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_headers = scope.get("headers", [])
        if sum(len(key) + len(value) + 4 for key, value in raw_headers) > HEADER_LIMIT_BYTES:
            await _refuse_large_head(scope, send)
            return
        authenticated = any(
            (key == b"authorization" and value.strip()) or (key == b"cookie" and b"framewise_session=" in value)
            for key, value in raw_headers
        )  # a bearer token, or the web UI's session cookie

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(key).lower() for key, _ in headers}
                content_type = next((bytes(v) for k, v in headers if bytes(k).lower() == b"content-type"), b"")
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"no-referrer",
                    b"content-security-policy": b"default-src 'none'; frame-ancestors 'none'"
                    if b"json" in content_type
                    else b"frame-ancestors 'none'",
                }
                if authenticated:
                    extra[b"cache-control"] = b"no-store"
                headers += [(key, value) for key, value in extra.items() if key not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def server_config(app: ASGIApp, host: str, port: int) -> "uvicorn.Config":
    """How every service runs under uvicorn: no `server` banner, bounded request heads (h11
    enforces the bound; httptools has none to set), our own logging."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        http="h11",
        h11_max_incomplete_event_size=HEADER_LIMIT_BYTES,
    )


def serve_app(app: ASGIApp, host: str, port: int) -> None:
    import uvicorn

    uvicorn.Server(server_config(app, host, port)).run()
