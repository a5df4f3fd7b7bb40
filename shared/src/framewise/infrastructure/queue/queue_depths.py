"""How many jobs wait on each queue, and how many of them may run now, from Valkey."""

import time

from arq.connections import ArqRedis

from framewise.application.results import QueueDepth
from framewise.domain.routing import QueueName


class ValkeyQueueDepths:
    """arq keeps each queue as a sorted set scored by when a job may run (a deferred one later)."""

    def __init__(self, pool: ArqRedis) -> None:
        self._pool = pool

    async def depths(self) -> list[QueueDepth]:
        now_ms = time.time() * 1000
        async with self._pool.pipeline(transaction=False) as pipe:
            for queue in QueueName:
                pipe.zcard(queue.value)
                pipe.zcount(queue.value, "-inf", now_ms)
            figures = await pipe.execute()
        return [
            QueueDepth(queue.value, int(figures[2 * i]), int(figures[2 * i + 1])) for i, queue in enumerate(QueueName)
        ]
