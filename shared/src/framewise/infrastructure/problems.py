"""RFC 9457 problem documents, shared by the API and the ML service: every error either service
answers is one, carries the request's correlation id (in the body and the `X-Correlation-ID`
header, also for a 500 that left the middleware), and a client that went away is logged as such
(499), not as a failure."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from framewise.contracts.ml import CORRELATION_HEADER

PROBLEM_JSON = "application/problem+json"
CLIENT_CLOSED = 499  # nginx's "client closed request": nobody reads the answer
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_log = structlog.get_logger("framewise.http")


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None
    correlation_id: str | None = None


def problem_responses(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these statuses, each a problem document."""
    return {
        code: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": text} for code, text in described.items()
    }


def correlation_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("correlation_id")
    return str(value) if value else None


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem document; `kind` names its `type` (default: the title, slugged)."""
    slug = kind or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    body: dict[str, Any] = {
        "type": f"https://framewise.dev/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    if errors:
        body["errors"] = errors
    found = correlation_id(request)
    if found:
        body["correlation_id"] = found
        headers = {**(headers or {}), CORRELATION_HEADER: found}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


@dataclass(frozen=True)
class ProblemType:
    """How one kind of exception is answered: its status, the slug of its `type` (default: the
    title's), and a Retry-After for the answers that say when to come back."""

    status: int
    kind: str | None = None
    retry_after_s: float | None = None

    @property
    def title(self) -> str:
        return self.kind.replace("-", " ").capitalize() if self.kind else TITLES.get(self.status, "Error")


ProblemTable = Mapping[type[Exception], ProblemType]


def problem_type_of(exc: Exception, table: ProblemTable) -> ProblemType | None:
    """The entry of the most specific class of `exc` in `table`, or None."""
    return next((table[cls] for cls in type(exc).__mro__ if cls in table), None)


def problem_for(request: Request, exc: Exception, entry: ProblemType, **extra: Any) -> JSONResponse:
    """The problem document `entry` says `exc` is; the detail is the exception's message, and a
    `retry_after` on the exception outranks the entry's."""
    retry = getattr(exc, "retry_after", None) or entry.retry_after_s
    headers = {"Retry-After": str(max(1, round(retry)))} if retry else None
    return problem(request, entry.status, entry.title, str(exc), kind=entry.kind, headers=headers, **extra)


def install_table(app: FastAPI, table: ProblemTable) -> None:
    """One exception handler per entry of `table`."""

    async def handle(request: Request, exc: Exception) -> Response:
        entry = problem_type_of(exc, table)
        return problem_for(request, exc, entry) if entry else await unexpected_error(request, exc)

    for cls in table:
        app.add_exception_handler(cls, handle)


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """What was wrong, without echoing the input back (it may be huge, binary or a secret)."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]


def install_common(app: FastAPI) -> None:
    """The handlers every service has: invalid requests, HTTP errors, a vanished client, anything else."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(request, 422, TITLES[422], "the request is not valid", errors=validation_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = TITLES.get(exc.status_code, "Error")
        return problem(request, exc.status_code, title, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        _log.info("client_disconnected", path=request.url.path, status=CLIENT_CLOSED)
        return Response(status_code=CLIENT_CLOSED)

    app.add_exception_handler(Exception, unexpected_error)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("unhandled_error", path=request.url.path)
    return problem(request, 500, TITLES[500], "an unexpected error occurred; see the logs")
