"""Per-caller rate limits: a moving window kept in Valkey, so every API process shares it.

At most `limit` accepted requests in any `window_s` seconds per (action, caller): never twice the limit
across a window boundary (as a fixed-window counter would admit), and a refused request is not counted
against the budget. The window is a sorted set of accepted requests' times, trimmed and counted in one
Lua script, so concurrent API processes never admit more than the limit. The time comes from a clock
the limiter is given (the wall clock in service, a clock the tests drive)."""

import math
import secrets
import time
from collections.abc import Callable
from typing import cast

from redis.asyncio import Redis

# KEYS[1]: the window; ARGV: now (s), window (s), limit, a unique member. Returns {1} when admitted,
# else {0, seconds until the oldest accepted request leaves the window} (as a string: Lua numbers
# become integers on the way out).
_HIT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%.6f', now - window))
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], string.format('%.6f', now), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return {1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, string.format('%.6f', tonumber(oldest[2]) + window - now)}
"""


class RateLimited(Exception):
    def __init__(self, action: str, limit: int, window_s: int, retry_after_s: int, per: str = "token") -> None:
        super().__init__(f"{action}: at most {limit} requests per {window_s} s per {per}; try again later")
        self.retry_after_s = retry_after_s


class ValkeyRateLimiter:
    """Moving-window limits per (action, caller) in Valkey, on the time of `clock` (Unix seconds)."""

    def __init__(self, redis: Redis, window_s: int, clock: Callable[[], float] = time.time) -> None:
        self._script = redis.register_script(_HIT)
        self._window_s, self._clock = window_s, clock

    async def hit(self, action: str, caller: str, limit: int) -> None:
        """Count one request of `caller` for `action`, or raise RateLimited (with the seconds until one
        more would be admitted) when `limit` were already accepted in the window. A limit of 0 is off."""
        if limit <= 0:
            return
        member = secrets.token_hex(8)
        key = f"ratelimit:{action}:{caller}"
        answer = cast(
            list[bytes | int], await self._script(keys=[key], args=[self._clock(), self._window_s, limit, member])
        )
        if int(answer[0]) == 1:
            return
        wait_s = float(answer[1])
        retry_after = min(self._window_s, max(1, math.ceil(wait_s)))
        per = "client address" if caller.startswith("addr:") else "token"
        raise RateLimited(action, limit, self._window_s, retry_after, per)
