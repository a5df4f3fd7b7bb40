"""Who is calling (bearer tokens, or the web UI's session cookie) and how often they may act
(per-token limits)."""

import hashlib
import hmac
import math
import time
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from framewise.application.use_cases.session_finder import SessionFinder
from framewise.domain.session import Session, session_id_of

bearer_scheme = HTTPBearer(auto_error=False, description="one of the tokens in API_TOKENS")


class RateLimited(Exception):
    def __init__(self, action: str, limit: int, window_s: int, retry_after_s: int, per: str = "token") -> None:
        super().__init__(f"{action}: at most {limit} requests per {window_s} s per {per}; try again later")
        self.retry_after_s = retry_after_s


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


class ValkeyRateLimiter:
    """Moving-window limits per (action, caller), kept in Valkey by the `limits` library so every API
    process shares them: at most `limit` accepted requests in any `window_s` seconds, never twice the
    limit across a window boundary, and a refused request is not counted against the budget."""

    def __init__(self, redis: Redis, window_s: int) -> None:
        # The API's own connection pool to Valkey (closed with it); the URI only names the client kind.
        storage = RedisStorage(
            "async+redis://",
            implementation="redispy",
            key_prefix="ratelimit",
            connection_pool=redis.connection_pool,  # type: ignore[arg-type]  # limits types its options narrowly
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._window_s = window_s

    async def hit(self, action: str, caller: str, limit: int) -> None:
        if limit <= 0:
            return  # 0 switches this limit off
        item = RateLimitItemPerSecond(limit, self._window_s)
        if await self._limiter.hit(item, action, caller):
            return
        stats = await self._limiter.get_window_stats(item, action, caller)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        per = "client address" if caller.startswith("addr:") else "token"
        raise RateLimited(action, limit, self._window_s, min(retry_after, self._window_s), per)


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
