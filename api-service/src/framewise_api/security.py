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


class SessionSigner:
    """The web UI's session: `<token id>.<expiry>.<HMAC-SHA256 of both>` in an HttpOnly cookie, so
    the token itself never sits in page storage. The key is derived from the configured tokens:
    restarting with other API_TOKENS voids every session, and a session names the token it was
    opened with, so removing that one token voids it too."""

    def __init__(self, tokens: Sequence[str], ttl_s: int) -> None:
        self._key = hashlib.sha256(b"framewise-session\0" + "\0".join(sorted(tokens)).encode()).digest()
        self._ids = {token_id(t) for t in tokens}
        self.ttl_s = ttl_s

    def _sig(self, ident: str, exp: int) -> str:
        return hmac.new(self._key, f"{ident}.{exp}".encode(), hashlib.sha256).hexdigest()

    def issue(self, ident: str, now: float | None = None) -> tuple[str, int]:
        """The cookie value for this token id and its expiry (Unix time)."""
        exp = int(now if now is not None else time.time()) + self.ttl_s
        return f"{ident}.{exp}.{self._sig(ident, exp)}", exp

    def identify(self, value: str, now: float | None = None) -> str | None:
        """The token id of a valid, unexpired session, else None."""
        parts = value.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[1]) > 12:
            return None
        ident, exp, sig = parts[0], int(parts[1]), parts[2]
        expected = self._sig(ident, exp).encode()
        if not hmac.compare_digest(expected, sig.encode("utf-8", "replace")):
            return None
        if exp < (now if now is not None else time.time()) or ident not in self._ids:
            return None
        return ident


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="framewise"'})


async def require_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> str:
    """The calling token's id, or 401. A bearer token wins; without one, the UI's session cookie.
    Health and metrics routes do not depend on this."""
    if credentials is None:
        session = request.cookies.get(SESSION_COOKIE)
        if session is not None:
            signer: SessionSigner = request.app.state.session_signer
            caller = signer.identify(session)
            if caller is None:
                raise _unauthorized("the session has expired or was revoked: sign in again")
            request.state.caller = caller
            return caller
        raise _unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    checker: TokenChecker = request.app.state.token_checker
    caller = checker.identify(credentials.credentials)
    if caller is None:
        raise _unauthorized("invalid bearer token")
    request.state.caller = caller
    return caller


Caller = Annotated[str, Depends(require_caller)]
