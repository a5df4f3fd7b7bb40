"""The job queue on Valkey through arq."""

import structlog
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import abort_jobs_ss, in_progress_key_prefix, job_key_prefix, result_key_prefix
from arq.utils import timestamp_ms

from framewise.application.results import JobState
from framewise.contracts.jobs import RUN_TASK, RunTaskJob
from framewise.domain.task import JobRequest
from framewise.infrastructure.queue.serialization import deserialize, serialize


def redis_settings(url: str) -> RedisSettings:
    """arq's settings from a `redis://` or `valkey://` URL (Valkey speaks the same protocol)."""
    if url.startswith("valkey://"):
        url = "redis://" + url[len("valkey://") :]
    return RedisSettings.from_dsn(url)


async def open_pool(url: str) -> ArqRedis:
    return await create_pool(
        redis_settings(url), job_serializer=serialize, job_deserializer=deserialize, default_queue_name="cpu_jobs"
    )


ABORTED_MARKER_MS = 3_600_000
_log = structlog.get_logger("framewise.queue")


class ArqJobQueue:
    """Pushes jobs with their attempt's job id; arq refuses a second job with an id it knows.

    `in_progress_timeout_s`: how long arq's in-progress key lives when a worker takes a job (arq sets
    it to the job timeout plus 10 s), from which `held_s` tells how long ago it was taken; without
    it, `held_s` cannot tell."""

    def __init__(self, pool: ArqRedis, in_progress_timeout_s: float | None = None) -> None:
        self._pool, self._in_progress_s = pool, in_progress_timeout_s

    async def push(self, job: JobRequest) -> bool:
        created = await self._pool.enqueue_job(
            RUN_TASK, **RunTaskJob.of(job).arguments(), _job_id=job.job_id, _queue_name=job.queue.value
        )
        _log.info(
            "job_enqueued",
            task_id=str(job.task_id),
            attempt=job.attempt,
            queue=job.queue.value,
            job_id=job.job_id,
            created=created is not None,
        )
        return created is not None

    async def abort(self, job: JobRequest) -> None:
        """A queued job is removed with its key, so no worker ever starts it; a running one is put in
        arq's abort set, which cancels it on the worker within its poll delay. An id that is neither
        queued nor running is left alone: arq's abort set is only cleaned by the job it names."""
        async with self._pool.pipeline(transaction=True) as tr:
            tr.zrem(job.queue.value, job.job_id)
            tr.delete(job_key_prefix + job.job_id)
            tr.exists(in_progress_key_prefix + job.job_id)
            # arq refuses to enqueue an id that has a result: a push of this attempt that raced the
            # cancel (committed before it, arriving after it) cannot put the job back.
            tr.set(result_key_prefix + job.job_id, serialize({"aborted": True}), px=ABORTED_MARKER_MS, nx=True)
            _, _, running, _ = await tr.execute()
        if running:
            await self._pool.zadd(abort_jobs_ss, {job.job_id: timestamp_ms()})
        _log.info("job_aborted", task_id=str(job.task_id), job_id=job.job_id, was_running=bool(running))

    async def held_s(self, job: JobRequest) -> float | None:
        if self._in_progress_s is None:
            return None
        left_ms = int(await self._pool.pttl(in_progress_key_prefix + job.job_id))
        if left_ms < 0:  # no key (-2), or one without an expiry (-1): not arq's
            return None
        return max(0.0, self._in_progress_s - left_ms / 1000)

    async def ping(self) -> None:
        await self._pool.ping()

    async def state(self, job: JobRequest) -> JobState:
        async with self._pool.pipeline(transaction=False) as pipe:
            pipe.exists(in_progress_key_prefix + job.job_id)
            pipe.zscore(job.queue.value, job.job_id)
            pipe.exists(job_key_prefix + job.job_id)
            running, score, stored = await pipe.execute()
        if running:
            return JobState.RUNNING
        return JobState.QUEUED if score is not None and stored else JobState.ABSENT
