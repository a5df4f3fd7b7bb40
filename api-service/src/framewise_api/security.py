"""Who is calling (bearer tokens, SPEC S8.1) and how often they may act (per-token limits, S8.4)."""

import hashlib
import hmac
import math
import time
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis

_bearer = HTTPBearer(auto_error=False, description="one of the tokens in API_TOKENS")


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
    """Fixed-window counters in Valkey, one per (action, token, window): shared by every API process."""

    def __init__(self, redis: Redis, window_s: int) -> None:
        self._redis, self._window_s = redis, window_s

    async def hit(self, action: str, caller: str, limit: int) -> None:
        if limit <= 0:
            return  # 0 switches this limit off
        now = time.time()
        window = int(now // self._window_s)
        key = f"ratelimit:{action}:{caller}:{window}"
        async with self._redis.pipeline(transaction=True) as tr:
            tr.incr(key)
            tr.expire(key, self._window_s + 1)
            count, _ = await tr.execute()
        if int(count) > limit:
            retry_after = max(1, math.ceil((window + 1) * self._window_s - now))
            raise RateLimited(action, limit, self._window_s, retry_after)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="framewise"'})


async def require_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
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
