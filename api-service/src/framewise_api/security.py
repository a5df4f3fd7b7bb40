"""Who is calling (bearer tokens) and how often they may act (per-token limits)."""

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
    def __init__(self, action: str, limit: int, window_s: int, retry_after_s: int) -> None:
        super().__init__(f"{action}: at most {limit} requests per {window_s} s per token; try again later")
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
        raise RateLimited(action, limit, self._window_s, min(retry_after, self._window_s))


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="framewise"'})


async def require_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> str:
    """The calling token's id, or 401. Health and metrics routes do not depend on this."""
    if credentials is None:
        raise _unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    checker: TokenChecker = request.app.state.token_checker
    caller = checker.identify(credentials.credentials)
    if caller is None:
        raise _unauthorized("invalid bearer token")
    request.state.caller = caller
    return caller


Caller = Annotated[str, Depends(require_caller)]
