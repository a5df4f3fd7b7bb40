"""Finished results kept in Valkey (`ml_result:{task_id}:{attempt}`), so that a worker that lost its
connection or restarted collects the answer instead of recomputing it. Only a job's own request
(task id and attempt) is kept, under that job's name; the stored response says which window it
answers and carries its provenance, so a reader checks all of it before trusting it."""

from uuid import UUID

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from framewise.domain.inference import InferenceResponse, ml_result_key

log = structlog.get_logger("framewise.ml")


class ResultStore:
    def __init__(self, url: str, ttl_s: int) -> None:
        self._redis = Redis.from_url(url)
        self._ttl_s = ttl_s

    async def put(self, task_id: UUID, attempt: int, response: InferenceResponse) -> bool:
        """Keep the response; a Valkey outage is logged, never fails the inference."""
        try:
            await self._redis.set(ml_result_key(task_id, attempt), response.model_dump_json(), ex=self._ttl_s)
        except (RedisError, OSError) as exc:
            log.warning("ml_result_not_stored", task_id=str(task_id), attempt=attempt, error=str(exc))
            return False
        return True

    async def close(self) -> None:
        await self._redis.aclose()
