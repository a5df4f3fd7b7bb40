"""ASGI middleware shared by the API and the ML service: correlation id and per-route metrics."""

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog
from prometheus_client import Counter, Histogram

from framewise.domain.inference import CORRELATION_HEADER
from framewise.infrastructure.logging import new_correlation_id

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
