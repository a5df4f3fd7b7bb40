"""Reads the results the ML service keeps in Valkey under `ml_result:{task_id}:{attempt}`."""

import structlog
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from framewise.domain.ids import TaskId
from framewise.domain.inference import InferenceResponse, ml_result_key

log = structlog.get_logger("framewise.worker")


class ValkeyMlResultCache:
    """A kept result, or None: missing, unreadable and unreachable all mean "ask the ML service"."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def find(self, task_id: TaskId, attempt: int) -> InferenceResponse | None:
        try:
            raw = await self._redis.get(ml_result_key(task_id, attempt))
        except (RedisError, OSError) as exc:
            log.warning("ml_result_unreadable", task_id=str(task_id), error=str(exc))
            return None
        if raw is None:
            return None
        try:
            return InferenceResponse.model_validate_json(raw)
        except ValidationError as exc:
            log.warning("ml_result_invalid", task_id=str(task_id), error=str(exc).splitlines()[0])
            return None
