"""Finished results kept in Valkey (`ml_result:{task_id}`, SPEC S6.5), so that a worker that lost
its connection or restarted collects the answer instead of recomputing it. The stored response
carries its provenance, so a reader checks input_hash and config_hash before trusting it."""

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from framewise.domain.inference import InferenceResponse, ml_result_key

log = structlog.get_logger("framewise.ml")


class ResultStore:
    def __init__(self, url: str, ttl_s: int) -> None:
        self._redis = Redis.from_url(url)
        self._ttl_s = ttl_s

    async def put(self, task_id: str, response: InferenceResponse) -> bool:
        """Keep the response; a Valkey outage is logged, never fails the inference."""
        try:
            await self._redis.set(ml_result_key(task_id), response.model_dump_json(), ex=self._ttl_s)
        except (RedisError, OSError) as exc:
            log.warning("ml_result_not_stored", task_id=task_id, error=str(exc))
            return False
        return True

    async def close(self) -> None:
        await self._redis.aclose()
