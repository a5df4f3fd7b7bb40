"""Finished ML results kept in Valkey under `ml_result:{task_id}:{attempt}`: the ML service keeps
each job's answer, so that a worker that lost its connection or restarted collects it instead of
having it computed again. One class on both sides: the ML service writes with `put`, the worker
reads with `find`. Only a job's own request (task id and attempt) is kept, under that job's name;
the stored response says which window it answers and carries its provenance, so the worker checks
all of it (`InferenceResponse.answers`) before trusting it. Valkey being away never fails either
side: a result not kept is computed again, one not found is asked for."""

from uuid import UUID

import structlog
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from framewise.contracts.ml import ML_RESULT_TTL_S, InferenceResponse, ml_result_key
from framewise.domain.errors import InvalidPayload

log = structlog.get_logger("framewise.kept_results")


class KeptResults:
    def __init__(self, redis: Redis, ttl_s: int = ML_RESULT_TTL_S) -> None:
        self._redis, self._ttl_s = redis, ttl_s

    async def put(self, response: InferenceResponse) -> bool:
        """Keep a job's response (one with a task id and attempt); False when it was not kept."""
        if response.task_id is None or response.attempt is None:
            return False
        try:
            key = ml_result_key(response.task_id, response.attempt)
            await self._redis.set(key, response.model_dump_json(), ex=self._ttl_s)
        except (RedisError, OSError) as exc:
            log.warning("ml_result_not_stored", task_id=str(response.task_id), attempt=response.attempt, error=str(exc))
            return False
        return True

    async def find(self, task_id: UUID, attempt: int) -> InferenceResponse | None:
        """The kept response of this job, or None: missing, unreadable and unreachable all mean
        "ask the ML service"."""
        try:
            raw = await self._redis.get(ml_result_key(task_id, attempt))
        except (RedisError, OSError) as exc:
            log.warning("ml_result_unreadable", task_id=str(task_id), error=str(exc))
            return None
        if raw is None:
            return None
        try:
            return InferenceResponse.model_validate_json(raw)
        except (ValidationError, InvalidPayload) as exc:
            log.warning("ml_result_invalid", task_id=str(task_id), error=str(exc).splitlines()[0])
            return None
