"""At most N inferences at once; a bounded line of waiters; refusal past the bound or the wait limit."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class GateBusy(Exception):
    """No slot now and no room to wait (or the wait ran out): the caller should come back later."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class GpuGate:
    """The GPU semaphore of SPEC S6.2, with the occupancy `/health` reports."""

    def __init__(self, concurrency: int, queue_limit: int, wait_timeout: float) -> None:
        self.concurrency, self.queue_limit, self.wait_timeout = concurrency, queue_limit, wait_timeout
        self._semaphore = asyncio.Semaphore(concurrency)
        self.running = 0
        self.waiting = 0

    def retry_after(self) -> float:
        return max(1.0, round(self.wait_timeout / 10))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[float]:
        """Hold one slot; yields the seconds spent waiting for it."""
        if self.running >= self.concurrency and self.waiting >= self.queue_limit:
            raise GateBusy(f"{self.running} running and {self.waiting} waiting: the queue is full", self.retry_after())
        started = time.perf_counter()
        self.waiting += 1
        try:
            await asyncio.wait_for(self._semaphore.acquire(), timeout=self.wait_timeout)
        except TimeoutError:
            raise GateBusy(f"no slot within {self.wait_timeout:g} s", self.retry_after()) from None
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            yield time.perf_counter() - started
        finally:
            self.running -= 1
            self._semaphore.release()
