"""Every error leaves as an RFC 9457 problem document; the mapping from domain errors lives here only."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as ValkeyConnectionError
from redis.exceptions import TimeoutError as ValkeyTimeout
from sqlalchemy.exc import DBAPIError

from framewise.application.results import MediaUnreadable
from framewise.domain.errors import (
    DomainError,
    IllegalTransition,
    NotFound,
    PathOutsideRoots,
    UnsupportedUpload,
    UploadFolderUnusable,
    UploadTooLarge,
    VideoNotPlayable,
)
from framewise.infrastructure.problems import (
    PROBLEM_JSON,
    Problem,
    ProblemType,
    install_common,
    install_table,
    problem,
    problem_responses,
    unexpected_error,
)
from framewise_api.byte_ranges import MalformedRange, UnsatisfiableRange
from framewise_api.security import RateLimited

__all__ = ["PROBLEM_JSON", "PROBLEM_RESPONSES", "Problem", "install", "problem"]


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = problem_responses(
    {
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
    }
)
_log = structlog.get_logger("framewise.api")


# Domain errors by the most specific class; any other DomainError is a 422.
DOMAIN_PROBLEMS: dict[type[Exception], ProblemType] = {
    NotFound: ProblemType(404),
    IllegalTransition: ProblemType(409),
    VideoNotPlayable: ProblemType(409),
    PathOutsideRoots: ProblemType(403),
    UploadTooLarge: ProblemType(413),
    UnsupportedUpload: ProblemType(415),
    UploadFolderUnusable: ProblemType(503),
    MalformedRange: ProblemType(400),
    DomainError: ProblemType(422),
}


def install(app: FastAPI) -> None:
    install_common(app)
    install_table(app, DOMAIN_PROBLEMS)

    @app.exception_handler(UnsatisfiableRange)
    async def unsatisfiable(request: Request, exc: UnsatisfiableRange) -> JSONResponse:
        headers = {"Content-Range": f"bytes */{exc.size}"}
        return problem(request, 416, "Range Not Satisfiable", str(exc), headers=headers)

    @app.exception_handler(MediaUnreadable)
    async def unreadable(request: Request, exc: MediaUnreadable) -> JSONResponse:
        return problem(request, 409, "Conflict", f"the video cannot be read: {exc}")

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
            return await unexpected_error(request, exc)
        _log.warning("dependency_down", dependency="postgres", error=type(exc.orig).__name__)
        return problem(request, 503, "Service Unavailable", "PostgreSQL is unreachable; try again later")


def _is_connection_error(exc: DBAPIError) -> bool:
    text = f"{type(exc.orig).__name__} {exc.orig}".lower()
    return any(word in text for word in ("connection", "connect", "cannotconnectnow", "shutdown"))
