"""Who is calling: bearer tokens, or the web UI's session cookie (rate limits: rate_limit.py)."""

import hashlib
import hmac
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from framewise.application.use_cases.session_finder import SessionFinder
from framewise.domain.session import Session, session_id_of

bearer_scheme = HTTPBearer(auto_error=False, description="one of the tokens in API_TOKENS")


def token_id(token: str) -> str:
    """A stable, non-secret name for a token: what logs and rate-limit keys use instead of it."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


class TokenChecker:
    """Compares a presented token with every configured one in constant time, so neither the
    position of a match nor a common prefix shows in the timing."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self._tokens = [(t.encode(), token_id(t)) for t in tokens]

    def identify(self, presented: str) -> str | None:
        candidate = presented.encode()
        found = None
        for token, ident in self._tokens:
            if hmac.compare_digest(token, candidate):
                found = ident
        return found


SESSION_COOKIE = "framewise_session"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def from_own_origin(request: Request) -> bool:
    """Whether the browser says the request comes from a page of this very origin (the web UI's):
    `Origin` (sent by browsers on every POST, PUT and DELETE, fetch and forms alike) must be the
    scheme and Host this request was sent to; without it, `Sec-Fetch-Site` must be `same-origin`.
    SameSite=Strict alone is not enough: it ignores ports, so another server on the same host is
    "same site". A request that says neither is refused: every browser that runs the UI sends one."""
    origin = request.headers.get("origin")
    if origin is not None:
        scheme = "https" if is_https(request) else request.url.scheme
        return origin == f"{scheme}://{request.headers.get('host', '')}"
    return request.headers.get("sec-fetch-site") == "same-origin"


async def session_of(request: Request, cookie: str) -> Session | None:
    finder: SessionFinder = request.app.state.container.session_finder()
    return await finder.execute(session_id_of(cookie))


class CrossOriginWrite(Exception):
    """A request that would change something, sent with the session cookie by a page of another
    origin (or by a client that says nothing of its origin): 403."""

    def __init__(self) -> None:
        super().__init__(
            "a request with the session cookie that changes something must come from the web UI's own origin "
            "(Origin or Sec-Fetch-Site); programs send a bearer token instead"
        )


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="framewise"'})


async def require_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> str:
    """The calling token's id, or 401. A bearer token wins; without one, the UI's session cookie,
    which must name a live session (revoked, expired or of a token no longer configured: 401) and,
    on a request that changes something, come from the UI's own origin (403 otherwise: a page of
    another origin cannot write with the user's cookie). Health and metrics routes do not depend on this."""
    if credentials is None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is not None:
            session = await session_of(request, cookie)
            if session is None:
                raise _unauthorized("the session has expired or was revoked: sign in again")
            if request.method not in SAFE_METHODS and not from_own_origin(request):
                raise CrossOriginWrite()
            request.state.caller, request.state.session = session.token_id, session
            return session.token_id
        raise _unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    checker: TokenChecker = request.app.state.token_checker
    caller = checker.identify(credentials.credentials)
    if caller is None:
        raise _unauthorized("invalid bearer token")
    request.state.caller = caller
    return caller


Caller = Annotated[str, Depends(require_caller)]
