"""The one retry policy: every layer that tries again reads its bound from here.

Three counters, nested, each named for what it counts:

- `calls_per_try`: HTTP calls the ML client makes for one try of an analysis, when the ML service
  is unreachable, times out or answers 5xx (with backoff `call_backoff_s`..`call_backoff_max_s`).
- `tries_per_attempt`: tries of one attempt that end in such a failure before the task is FAILED
  as transient (with backoff `try_backoff_s`..`try_backoff_max_s`, never sooner than Retry-After).
- `attempts_per_task`: attempts whose worker died (its lease expired) before the task is FAILED as
  lost.

Waiting for a model that is not loaded, or for a turn at a busy ML service, spends none of them.
arq's own re-delivery count is not a bound (the task row counts what matters).
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    calls_per_try: int = 3
    call_backoff_s: float = 0.5
    call_backoff_max_s: float = 10.0
    tries_per_attempt: int = 5
    try_backoff_s: float = 2.0
    try_backoff_max_s: float = 120.0
    attempts_per_task: int = 3

    def __post_init__(self) -> None:
        if min(self.calls_per_try, self.tries_per_attempt, self.attempts_per_task) < 1:
            raise ValueError("every retry bound must be at least 1")
        if (
            not 0 < self.call_backoff_s <= self.call_backoff_max_s
            or not 0 < self.try_backoff_s <= self.try_backoff_max_s
        ):
            raise ValueError("a backoff must be positive and at most its maximum")

    def try_backoff(self, tries: int, at_least_s: float = 0.0) -> float:
        """Before the next try, after `tries` failed ones: exponential with full jitter, uniform in
        [base/2, min(max, base * 2^(tries-1))], and never less than `at_least_s` (a Retry-After)."""
        ceiling = min(self.try_backoff_max_s, self.try_backoff_s * 2 ** max(0, tries - 1))
        return max(at_least_s, random.uniform(min(self.try_backoff_s / 2, ceiling), ceiling))

    @property
    def calls_per_attempt(self) -> int:
        """The most HTTP calls to the ML service one attempt makes before it is FAILED."""
        return self.calls_per_try * self.tries_per_attempt

    @property
    def calls_per_task(self) -> int:
        """The most HTTP calls one task makes over all its attempts (without a manual retry)."""
        return self.calls_per_attempt * self.attempts_per_task
