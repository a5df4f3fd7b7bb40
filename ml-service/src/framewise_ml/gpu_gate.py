"""At most N inferences at once; a bounded line of waiters, and a bound per caller; refusal past
either bound or the wait limit; a waiter whose client went away leaves the line at once."""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from framewise_ml.abandon import Abandoned


class GateBusy(Exception):
    """No slot now and no room to wait (or the wait ran out): the caller should come back later."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class GpuGate:
    """The GPU semaphore, with the occupancy `/health` reports."""

    def __init__(self, concurrency: int, queue_limit: int, wait_timeout: float, per_caller: int = 10_000) -> None:
        self.concurrency, self.queue_limit, self.wait_timeout = concurrency, queue_limit, wait_timeout
        self.per_caller = per_caller
        self._semaphore = asyncio.Semaphore(concurrency)
        self.running = 0
        self.waiting = 0
        self._waiting_by: Counter[str] = Counter()

    def retry_after(self) -> float:
        return max(1.0, round(self.wait_timeout / 10))

    @asynccontextmanager
    async def slot(self, caller: str = "", abandoned: asyncio.Event | None = None) -> AsyncIterator[float]:
        """Hold one slot; yields the seconds spent waiting for it. Raises GateBusy when the line
        (or this caller's share of it) is full or the wait runs out, and Abandoned as soon as
        `abandoned` is set while waiting."""
        if self.running >= self.concurrency and self.waiting >= self.queue_limit:
            raise GateBusy(f"{self.running} running and {self.waiting} waiting: the queue is full", self.retry_after())
        if self._waiting_by[caller] >= self.per_caller:
            raise GateBusy(f"this caller already has {self.per_caller} requests waiting", self.retry_after())
        started = time.perf_counter()
        self.waiting += 1
        self._waiting_by[caller] += 1
        try:
            await self._acquire(abandoned)
        finally:
            self.waiting -= 1
            self._waiting_by[caller] -= 1
            if not self._waiting_by[caller]:
                del self._waiting_by[caller]
        self.running += 1
        try:
            yield time.perf_counter() - started
        finally:
            self.running -= 1
            self._semaphore.release()

    async def _acquire(self, abandoned: asyncio.Event | None) -> None:
        acquire = asyncio.ensure_future(self._semaphore.acquire())
        watchers = {acquire}
        gone = asyncio.ensure_future(abandoned.wait()) if abandoned is not None else None
        if gone is not None:
            watchers.add(gone)
        try:
            await asyncio.wait(watchers, timeout=self.wait_timeout, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # the request itself was cancelled: never keep a permit nobody holds
            if acquire.done() and not acquire.cancelled():
                self._semaphore.release()
            raise
        finally:
            if gone is not None:
                gone.cancel()
            if not acquire.done():
                acquire.cancel()
                with suppress(asyncio.CancelledError):
                    await acquire
        if acquire.cancelled() or not acquire.done():
            if abandoned is not None and abandoned.is_set():
                raise Abandoned
            raise GateBusy(f"no slot within {self.wait_timeout:g} s", self.retry_after())
        if abandoned is not None and abandoned.is_set():  # got the slot, but nobody is waiting for it any more
            self._semaphore.release()
            raise Abandoned
