"""Every error leaves as an RFC 9457 problem document; the mapping from domain errors lives here only."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from framewise.domain.errors import DomainError, IllegalTransition, NotFound, PathOutsideRoots

PROBLEM_JSON = "application/problem+json"
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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unhandled_error", path=request.url.path)
        return problem(request, 500, "Internal Server Error", "an unexpected error occurred; see the logs")
