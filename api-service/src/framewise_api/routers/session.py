"""The web UI's sign-in: a token, once, for an HttpOnly, SameSite=Strict session cookie; and the
sessions a token has open, each revocable."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response

from framewise.domain.errors import SessionNotFound
from framewise.domain.session import Session, SessionId, session_id_of
from framewise_api.dependencies import ContainerDep
from framewise_api.problems import errors
from framewise_api.schemas.session import OpenSessionOut, RevokedOut, SessionIn, SessionOut, SessionsOut
from framewise_api.security import (
    SAFE_METHODS,
    SESSION_COOKIE,
    Caller,
    CrossOriginWrite,
    TokenChecker,
    from_own_origin,
    is_https,
)

router = APIRouter(prefix="/api/v1/session", tags=["session"])
sessions_router = APIRouter(prefix="/api/v1/sessions", tags=["session"], responses=errors(503))


def current_session(request: Request) -> Session | None:
    """The session this request came with (set by the credentials check), if it came with one."""
    return getattr(request.state, "session", None)


@router.post("", responses=errors(401, 429))
async def sign_in(body: SessionIn, request: Request, response: Response, container: ContainerDep) -> SessionOut:
    """Exchange an API token for a session cookie (HttpOnly, SameSite=Strict, `Secure` over https,
    expiring after SESSION_TTL_S). The cookie is a random secret; the server keeps only its hash,
    so each sign-in is a session of its own that can be ended alone (sign-out, or
    `DELETE /api/v1/sessions/{id}`). A token that is not configured is 401 and sets nothing. Each
    client address may try RATE_LIMIT_SIGN_IN times per RATE_LIMIT_WINDOW_S (429 with Retry-After
    past it), so a token cannot be guessed by trying."""
    address = request.client.host if request.client else "unknown"
    await container.rate_limiter.hit("sign_in", f"addr:{address}", container.settings.rate_limit_sign_in)
    checker: TokenChecker = request.app.state.token_checker
    ident = checker.identify(body.token.get_secret_value())
    if ident is None:
        raise HTTPException(401, "that API token is not accepted: check it and try again")
    opened = await container.session_opener().execute(ident)
    response.set_cookie(
        SESSION_COOKIE,
        opened.secret,
        max_age=container.settings.session_ttl_s,
        expires=opened.session.expires_at,  # a date: an int would be read as seconds from now
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return SessionOut(token_id=ident, session_id=opened.session.id, expires_at=opened.session.expires_at)


@router.get("")
async def who_am_i(caller: Caller, request: Request) -> SessionOut:
    """Who is signed in, and until when: 401 when there is no valid session (or bearer token)."""
    session = current_session(request)
    if session is None:
        return SessionOut(token_id=caller, expires_at=None)
    return SessionOut(token_id=caller, session_id=session.id, expires_at=session.expires_at)


@router.delete("", status_code=204, responses=errors(403))
async def sign_out(request: Request, container: ContainerDep) -> Response:
    """Sign out: the session ends on the server (its cookie and the media links issued to it stop
    working wherever they are) and the cookie is cleared. Always 204, signed in or not; 403 for a
    page of another origin."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is not None:
        if request.method not in SAFE_METHODS and not from_own_origin(request):
            raise CrossOriginWrite()
        session = await container.session_finder().execute(session_id_of(cookie))
        if session is not None:
            try:
                await container.session_revoker().execute(session.token_id, session.id)
            except SessionNotFound:
                pass  # revoked meanwhile: the outcome asked for
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=is_https(request), httponly=True, samesite="strict")
    response.headers["Cache-Control"] = "no-store"
    return response


SessionPathId = Annotated[str, Path(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$")]


@sessions_router.get("")
async def list_sessions(caller: Caller, request: Request, container: ContainerDep) -> SessionsOut:
    """The open sessions of the calling token (the web UI's sign-ins with it), oldest first;
    `current` marks the one this request came with."""
    found = await container.session_lister().execute(caller)
    return SessionsOut(items=[OpenSessionOut.of(s, current_session(request)) for s in found])


@sessions_router.delete("/{session_id}", status_code=204, responses=errors(403, 404))
async def revoke_session(session_id: SessionPathId, caller: Caller, container: ContainerDep) -> Response:
    """End one session of the calling token at once: its cookie and its media links stop working.
    404 for an id that is not an open session of this token."""
    await container.session_revoker().execute(caller, SessionId(session_id))
    return Response(status_code=204)


@sessions_router.delete("", responses=errors(403))
async def revoke_sessions(caller: Caller, container: ContainerDep) -> RevokedOut:
    """End every session of the calling token (this one too, when the request came with one)."""
    return RevokedOut(revoked=await container.session_bulk_revoker().execute(caller))
