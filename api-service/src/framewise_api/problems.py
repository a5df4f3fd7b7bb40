"""Every error leaves as an RFC 9457 problem document; the mapping from domain errors lives here only."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import ConnectionError as ValkeyConnectionError
from redis.exceptions import TimeoutError as ValkeyTimeout
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from framewise.domain.errors import (
    DomainError,
    IllegalTransition,
    NotFound,
    PathOutsideRoots,
    UnsupportedUpload,
    UploadTooLarge,
)
from framewise_api.security import RateLimited

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None


_problem = {"model": Problem, "content": {PROBLEM_JSON: {}}}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {**_problem, "description": text}
    for code, text in {
        400: "a body that cannot be parsed",
        401: "no or wrong bearer token",
        403: "a path outside the media roots",
        404: "no such resource",
        409: "not allowed in the resource's current state",
        413: "upload larger than UPLOAD_MAX_BYTES",
        415: "upload without a video extension",
        422: "invalid input",
        429: "rate limit reached; see Retry-After",
        503: "a dependency (PostgreSQL or Valkey) is down",
    }.items()
}
_log = structlog.get_logger("framewise.api")


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://framewise.dev/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _status_of(exc: DomainError) -> tuple[int, str]:
    if isinstance(exc, NotFound):
        return 404, "Not Found"
    if isinstance(exc, IllegalTransition):
        return 409, "Conflict"
    if isinstance(exc, PathOutsideRoots):
        return 403, "Forbidden"
    if isinstance(exc, UploadTooLarge):
        return 413, "Content Too Large"
    if isinstance(exc, UnsupportedUpload):
        return 415, "Unsupported Media Type"
    return 422, "Unprocessable Content"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status, title = _status_of(exc)
        return problem(request, status, title, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return problem(request, 422, "Unprocessable Content", "the request is not valid", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}.get(
            exc.status_code, "Error"
        )
        return problem(request, exc.status_code, title, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return problem(request, 429, "Too Many Requests", str(exc), headers=headers)

    @app.exception_handler(ValkeyConnectionError)
    @app.exception_handler(ValkeyTimeout)
    async def valkey_down(request: Request, exc: Exception) -> JSONResponse:
        _log.warning("dependency_down", dependency="valkey", error=type(exc).__name__)
        return problem(request, 503, "Service Unavailable", "Valkey is unreachable; try again later")

    @app.exception_handler(ConnectionError)
    async def store_unreachable(request: Request, exc: ConnectionError) -> JSONResponse:
        # asyncpg's connection refusals arrive as the built-in ConnectionError, unwrapped.
        _log.warning("dependency_down", dependency="postgres", error=type(exc).__name__)
        return problem(request, 503, "Service Unavailable", "PostgreSQL is unreachable; try again later")

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if not exc.connection_invalidated and not _is_connection_error(exc):
            return await unexpected(request, exc)
        _log.warning("dependency_down", dependency="postgres", error=type(exc.orig).__name__)
        return problem(request, 503, "Service Unavailable", "PostgreSQL is unreachable; try again later")

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unhandled_error", path=request.url.path)
        return problem(request, 500, "Internal Server Error", "an unexpected error occurred; see the logs")

    app.add_exception_handler(Exception, unexpected)


def _is_connection_error(exc: DBAPIError) -> bool:
    text = f"{type(exc.orig).__name__} {exc.orig}".lower()
    return any(word in text for word in ("connection", "connect", "cannotconnectnow", "shutdown"))
