"""Every error leaves as an RFC 9457 problem document; the mapping from domain errors lives here only."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as ValkeyConnectionError
from redis.exceptions import TimeoutError as ValkeyTimeout
from sqlalchemy.exc import DBAPIError

from framewise.application.results import MediaUnreadable, MlServiceUnreachable
from framewise.domain.errors import (
    DomainError,
    IllegalTransition,
    NotFound,
    PathOutsideRoots,
    SettingsUncheckable,
    UnsupportedUpload,
    UploadFolderUnusable,
    UploadStalled,
    UploadTooLarge,
    VideoNotPlayable,
)
from framewise.infrastructure.problems import (
    PROBLEM_JSON,
    TITLES,
    Problem,
    ProblemType,
    install_common,
    install_table,
    problem,
    unexpected_error,
)
from framewise_api.byte_ranges import MalformedRange, UnsatisfiableRange
from framewise_api.rate_limit import RateLimited
from framewise_api.security import CrossOriginWrite
from framewise_api.uploads import TooManyUploads

__all__ = ["PROBLEM_JSON", "PROBLEM_RESPONSES", "Problem", "errors", "install", "problem"]


Responses = dict[int | str, dict[str, Any]]
RETRY_AFTER_DOWN_S = 5  # what a 503 for a store that is down tells the client to wait

_SECONDS = {"type": "integer", "minimum": 1}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again", "schema": _SECONDS}}
# What each error status means on this API, and the headers that come with it.
ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("a request that cannot be parsed: a body that is not JSON, a malformed Range header", {}),
    401: (
        "no or wrong bearer token (or session)",
        {"WWW-Authenticate": {"description": "the scheme to use: Bearer", "schema": {"type": "string"}}},
    ),
    403: (
        "a path outside the media roots, an altered or expired media link, or a write with the session "
        "cookie from another origin",
        {},
    ),
    404: ("no such resource", {}),
    408: ("an upload that sent no byte for UPLOAD_IDLE_TIMEOUT_S: dropped, nothing kept", {}),
    409: ("not allowed in the resource's current state", {}),
    413: ("upload larger than UPLOAD_MAX_BYTES", {}),
    415: ("upload without a video extension", {}),
    416: (
        "a byte range past the end of the file",
        {"Content-Range": {"description": "`bytes */<size>`: the file's size", "schema": {"type": "string"}}},
    ),
    422: ("invalid input: a bad or unknown query parameter, or a bad body; `errors` names each", {}),
    429: ("rate limit reached; see Retry-After", _RETRY_AFTER),
    503: (
        "a dependency (PostgreSQL, Valkey, the ML service, the upload folder) is unavailable; see Retry-After",
        _RETRY_AFTER,
    ),
}
_EXAMPLE_ERRORS = {422: [{"loc": ["query", "colour"], "msg": "unknown query parameter", "type": "extra_forbidden"}]}


def errors(*statuses: int) -> Responses:
    """OpenAPI `responses` for the error statuses an operation can answer, each a problem document
    (`responses=errors(404, 409)`). Every operation also documents 422 (an unknown query parameter)
    and, when it needs credentials, 401: `install` adds those to each operation itself."""
    answers: Responses = {}
    for status in statuses:
        description, headers = ERRORS[status]
        title = TITLES.get(status, "Range Not Satisfiable")  # 416 is the one the table lacks
        example: dict[str, Any] = {
            "type": f"https://framewise.dev/problems/{title.lower().replace(' ', '-')}",
            "title": title,
            "status": status,
            "detail": description,
            "instance": "/api/v1/tasks/4f0c6a8e-2b1d-4c55-9a3e-7d2f8b6c1e90",
            "correlation_id": "4b6f1c2e9a7d4e0f",
        }
        if status in _EXAMPLE_ERRORS:
            example["errors"] = _EXAMPLE_ERRORS[status]
        answer: dict[str, Any] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": example}},
        }
        if headers:
            answer["headers"] = headers
        answers[status] = answer
    return answers


# Every status at once: for a router that has not yet said which of them its operations answer.
PROBLEM_RESPONSES: Responses = errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503)
_log = structlog.get_logger("framewise.api")


# Domain errors by the most specific class; any other DomainError is a 422.
DOMAIN_PROBLEMS: dict[type[Exception], ProblemType] = {
    NotFound: ProblemType(404),
    IllegalTransition: ProblemType(409),
    VideoNotPlayable: ProblemType(409),
    PathOutsideRoots: ProblemType(403),
    UploadTooLarge: ProblemType(413),
    UploadStalled: ProblemType(408),
    UnsupportedUpload: ProblemType(415),
    UploadFolderUnusable: ProblemType(503, retry_after_s=60),
    SettingsUncheckable: ProblemType(503, retry_after_s=30),
    MlServiceUnreachable: ProblemType(503, "ml-service-unreachable", retry_after_s=30),
    MalformedRange: ProblemType(400),
    DomainError: ProblemType(422),
}


_DOWN = {"Retry-After": str(RETRY_AFTER_DOWN_S)}


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

    @app.exception_handler(TooManyUploads)
    async def too_many_uploads(request: Request, exc: TooManyUploads) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return problem(request, 429, "Too Many Requests", str(exc), headers=headers)

    @app.exception_handler(CrossOriginWrite)
    async def cross_origin(request: Request, exc: CrossOriginWrite) -> JSONResponse:
        return problem(request, 403, "Forbidden", str(exc))

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return problem(request, 429, "Too Many Requests", str(exc), headers=headers)

    @app.exception_handler(ValkeyConnectionError)
    @app.exception_handler(ValkeyTimeout)
    async def valkey_down(request: Request, exc: Exception) -> JSONResponse:
        _log.warning("dependency_down", dependency="valkey", error=type(exc).__name__)
        return problem(request, 503, "Service Unavailable", "Valkey is unreachable; try again later", headers=_DOWN)

    @app.exception_handler(ConnectionError)
    async def store_unreachable(request: Request, exc: ConnectionError) -> JSONResponse:
        # asyncpg's connection refusals arrive as the built-in ConnectionError, unwrapped.
        _log.warning("dependency_down", dependency="postgres", error=type(exc).__name__)
        return problem(request, 503, "Service Unavailable", "PostgreSQL is unreachable; try again later", headers=_DOWN)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if not exc.connection_invalidated and not _is_connection_error(exc):
            return await unexpected_error(request, exc)
        _log.warning("dependency_down", dependency="postgres", error=type(exc.orig).__name__)
        return problem(request, 503, "Service Unavailable", "PostgreSQL is unreachable; try again later", headers=_DOWN)

    document_errors(app)


def document_errors(app: FastAPI) -> None:
    """Complete the OpenAPI document: the problem-document schema; on every operation the 422 that
    an unknown query parameter gets (see `dependencies.reject_unknown_query`), as a problem document
    (FastAPI would document its own validation body); where it needs credentials, the 401; where it
    takes a JSON body, the 400 of one that does not parse."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.update({str(status): answer for status, answer in errors(422).items()})
                if operation.get("security"):
                    responses.setdefault("401", errors(401)[401])
                if "application/json" in operation.get("requestBody", {}).get("content", {}):
                    responses.setdefault("400", errors(400)[400])  # a body that does not parse as JSON
                operation["responses"] = dict(sorted(responses.items()))
        for fastapis_own in ("HTTPValidationError", "ValidationError"):  # its 422 body, replaced above
            schemas.pop(fastapis_own, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def _is_connection_error(exc: DBAPIError) -> bool:
    text = f"{type(exc.orig).__name__} {exc.orig}".lower()
    return any(word in text for word in ("connection", "connect", "cannotconnectnow", "shutdown"))
