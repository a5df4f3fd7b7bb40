"""The result the ML service keeps in Valkey is the one the worker finds, on a real Valkey."""

from uuid import uuid4

import pytest
from redis.asyncio import Redis

from framewise.contracts.ml import InferenceResponse, Timings, ml_result_key
from framewise.domain.ids import TaskId
from framewise.domain.provenance import Provenance
from framewise.domain.routing import TaskType
from framewise.infrastructure.ml.kept_results import KeptResults

pytestmark = pytest.mark.integration

RESPONSE = InferenceResponse(
    task_type=TaskType.SCENE_DETECTION,
    items=[{"scene_index": 0, "start_ms": 0, "end_ms": 2000}],
    provenance=Provenance(
        producer="pyscenedetect",
        producer_version="0.7.2",
        model_profile="balanced",
        config_hash="c",
        input_hash="fw1:x",
        run_id="r",
        device="cpu",
        weights="none",
    ),
    timings=Timings(queue_wait_ms=0, decode_ms=1, inference_ms=2, total_ms=3),
)


async def test_what_the_ml_service_keeps_the_worker_finds(redis: Redis, valkey_url: str) -> None:
    task_id = TaskId(uuid4())
    writer = Redis.from_url(valkey_url)  # the ML service's own connection
    try:
        assert await KeptResults(writer, ttl_s=60).put(RESPONSE.model_copy(update={"task_id": task_id, "attempt": 2}))
        assert not await KeptResults(writer).put(RESPONSE)  # not a job's answer: nothing to keep it under
    finally:
        await writer.aclose()
    found = await KeptResults(redis).find(task_id, 2)
    assert found is not None and found.items == RESPONSE.items and (found.task_id, found.attempt) == (task_id, 2)
    assert await KeptResults(redis).find(task_id, 1) is None  # another attempt's job finds nothing
    assert 0 < await redis.ttl(ml_result_key(task_id, 2)) <= 60


async def test_a_missing_or_garbled_result_is_none(redis: Redis) -> None:
    task_id = TaskId(uuid4())
    cache = KeptResults(redis)
    assert await cache.find(task_id, 1) is None
    await redis.set(ml_result_key(task_id, 1), b"{not json")
    assert await cache.find(task_id, 1) is None


async def test_an_unreachable_valkey_means_ask_the_ml_service() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        assert await KeptResults(unreachable).find(TaskId(uuid4()), 1) is None
    finally:
        await unreachable.aclose()
