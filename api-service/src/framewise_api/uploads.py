"""What an upload may hold of the server while it runs: a connection that stops sending is cut
after UPLOAD_IDLE_TIMEOUT_S (408, its partial file removed), and each token runs at most
UPLOAD_CONCURRENCY uploads at once (429 past it)."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from framewise.domain.errors import UploadStalled

RETRY_AFTER_S = 5  # what a refused upload is told to wait: one upload's slot frees when it ends


class TooManyUploads(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"upload: at most {limit} at once per token; wait for one to finish, then try again")
        self.retry_after_s = RETRY_AFTER_S


async def idle_limited(chunks: AsyncIterator[bytes], idle_s: float) -> AsyncIterator[bytes]:
    """The body's chunks, or `UploadStalled` when none arrives for `idle_s` seconds."""
    iterator = aiter(chunks)
    while True:
        try:
            chunk = await asyncio.wait_for(anext(iterator), idle_s)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise UploadStalled(idle_s) from None
        yield chunk


class UploadSlots:
    """Uploads running now, per token, in this API process (an upload is one request to one process)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._running: Counter[str] = Counter()

    @asynccontextmanager
    async def hold(self, caller: str) -> AsyncIterator[None]:
        if self._limit > 0 and self._running[caller] >= self._limit:  # 0 switches the bound off
            raise TooManyUploads(self._limit)
        self._running[caller] += 1
        try:
            yield
        finally:
            self._running[caller] -= 1
            if not self._running[caller]:
                del self._running[caller]
