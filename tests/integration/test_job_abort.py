"""Aborting jobs on a real arq worker over real Valkey: a queued job never runs, a running one is
cancelled (and recorded as aborted) long before it could end by itself, and neither touches another
attempt's job. The waits are bounded waits on what happened, never a measure of how fast."""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar
from uuid import uuid4

import pytest
from arq import Worker
from arq.worker import func
from redis.asyncio import Redis

from framewise.domain.ids import TaskId
from framewise.domain.routing import QueueName, TaskType
from framewise.domain.task import JobRequest, job_id_for
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool, redis_settings
from framewise.infrastructure.queue.serialization import deserialize, serialize

pytestmark = pytest.mark.integration

RUNS_S = 60  # how long the first attempt's job runs unless it is cancelled: longer than any wait below
T = TypeVar("T")


async def within(awaitable: Awaitable[T], seconds: float, what: str) -> T:
    """`awaitable`'s result, or a test failure saying what did not happen within `seconds`."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        pytest.fail(f"{what}: not within {seconds:g} s")


class Recorder:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.cancelled: list[str] = []
        self.finished: list[str] = []
        self.running = asyncio.Event()
        self.stopped = asyncio.Event()

    async def run_task(
        self, ctx: dict[str, Any], task_id: str, attempt: int, correlation_id: str, task_type: str | None = None
    ) -> str:
        self.started.append(ctx["job_id"])
        self.running.set()
        try:
            await asyncio.sleep(0.5 if attempt == 2 else RUNS_S)
        except asyncio.CancelledError:
            self.cancelled.append(ctx["job_id"])
            self.stopped.set()
            raise
        self.finished.append(ctx["job_id"])
        return "done"


def job(task_id: TaskId, attempt: int) -> JobRequest:
    return JobRequest(job_id_for(task_id, attempt), QueueName.GPU_JOBS, task_id, attempt, "corr", TaskType.OCR)


@pytest.fixture
async def queue(redis: Redis, valkey_url: str) -> AsyncIterator[ArqJobQueue]:
    pool = await open_pool(valkey_url)
    yield ArqJobQueue(pool)
    await pool.aclose()


def worker(recorder: Recorder, valkey_url: str, *, burst: bool = True) -> Worker:
    return Worker(
        functions=[func(recorder.run_task, name="run_task")],
        queue_name=QueueName.GPU_JOBS.value,
        redis_settings=redis_settings(valkey_url),
        job_serializer=serialize,
        job_deserializer=deserialize,
        allow_abort_jobs=True,
        poll_delay=0.1,
        handle_signals=False,
        max_jobs=4,
        burst=burst,  # returns once the queue is empty
    )


async def test_an_aborted_queued_job_never_runs_and_a_later_attempt_does(
    queue: ArqJobQueue, redis: Redis, valkey_url: str
) -> None:
    task_id = TaskId(uuid4())
    assert await queue.push(job(task_id, 1))
    await queue.abort(job(task_id, 1))
    assert await redis.zcard("gpu_jobs") == 0 and not await redis.exists(f"arq:job:{job_id_for(task_id, 1)}")
    assert await queue.push(job(task_id, 2))  # the retry's attempt is not blocked by anything

    recorder = Recorder()
    w = worker(recorder, valkey_url)
    try:
        await asyncio.wait_for(w.async_run(), 20)
    finally:
        await w.close()
    assert recorder.started == recorder.finished == [job_id_for(task_id, 2)]


async def close_after_abort(w: Worker) -> None:
    """Close a worker stopped right after one of its jobs was aborted. Its main loop may not have
    dropped the cancelled job task yet, and arq's `close` awaits every task it holds, which would
    re-raise that job's CancelledError here: settle them first, then close."""
    await asyncio.gather(*w.tasks.values(), return_exceptions=True)
    for key in [key for key, done in w.tasks.items() if done.done()]:
        del w.tasks[key]
    await w.close()


async def stored_result(redis: Redis, job_id: str) -> dict[str, Any]:
    """The result arq stores once it is done with the job (polled until it is there)."""
    while True:
        raw = await redis.get(f"arq:result:{job_id}")
        if raw is not None:
            return deserialize(raw)
        await asyncio.sleep(0.05)


async def test_an_aborted_running_job_is_cancelled(queue: ArqJobQueue, redis: Redis, valkey_url: str) -> None:
    task_id = TaskId(uuid4())
    job_id = job_id_for(task_id, 1)
    await queue.push(job(task_id, 1))
    recorder = Recorder()
    w = worker(recorder, valkey_url, burst=False)
    running = asyncio.create_task(w.async_run())
    try:
        await within(recorder.running.wait(), 30, "the job started")
        await queue.abort(job(task_id, 1))
        await within(recorder.stopped.wait(), RUNS_S / 2, "the running job cancelled by its abort")
        # arq records the aborted job; stop the worker only after that.
        result = await within(stored_result(redis, job_id), 30, "arq's result for the aborted job")
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await close_after_abort(w)
    assert recorder.cancelled == [job_id] and recorder.finished == []
    assert result["s"] is False and result["r"]["exception"] == "CancelledError", result


async def test_aborting_a_job_that_is_neither_queued_nor_running_poisons_nothing(
    queue: ArqJobQueue, redis: Redis
) -> None:
    task_id = TaskId(uuid4())
    await queue.abort(job(task_id, 1))
    assert await redis.zcard("arq:abort") == 0


async def test_a_push_that_arrives_after_the_abort_cannot_put_the_job_back(queue: ArqJobQueue, redis: Redis) -> None:
    """An enqueue commits, a cancel commits and aborts, then the enqueue's push lands: refused."""
    task_id = TaskId(uuid4())
    await queue.push(job(task_id, 1))
    await queue.abort(job(task_id, 1))
    assert not await queue.push(job(task_id, 1))
    assert await redis.zcard("gpu_jobs") == 0
    assert await queue.push(job(task_id, 2))  # the retry's new attempt is unaffected
