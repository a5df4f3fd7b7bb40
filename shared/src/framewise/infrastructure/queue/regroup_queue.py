"""The library's re-grouping of faces on Valkey: an arq job under one fixed id on the CPU queue (arq
refuses a second job with an id it holds, so one waits or runs at a time), and a hash where the
running job says how far it got and what it did."""

from datetime import datetime

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix

from framewise.application.results import Regrouped, RegroupState, RegroupStatus
from framewise.contracts.jobs import REGROUP_JOB_ID, REGROUP_PERSONS
from framewise.domain.routing import QueueName

STATUS_KEY = "framewise:persons:regroup"


def _time(raw: bytes | None) -> datetime | None:
    return datetime.fromisoformat(raw.decode()) if raw else None


class ValkeyRegroupQueue:
    """Both sides: the API requests and reads (`RegroupQueue`), the worker reports (`RegroupProgress`)."""

    def __init__(self, pool: ArqRedis) -> None:
        self._pool = pool

    async def request(self, now: datetime) -> RegroupStatus:
        job = await self._pool.enqueue_job(
            REGROUP_PERSONS, _job_id=REGROUP_JOB_ID, _queue_name=QueueName.CPU_JOBS.value
        )
        if job is not None:
            await self._pool.hset(STATUS_KEY, "requested_at", now.isoformat())  # type: ignore[misc]
        return await self.status()

    async def status(self) -> RegroupStatus:
        async with self._pool.pipeline(transaction=True) as tr:
            tr.exists(in_progress_key_prefix + REGROUP_JOB_ID)
            tr.exists(job_key_prefix + REGROUP_JOB_ID)
            tr.hgetall(STATUS_KEY)
            running, queued, fields = await tr.execute()
        state = RegroupState.RUNNING if running else RegroupState.QUEUED if queued else RegroupState.IDLE
        got: dict[str, bytes] = {k.decode(): v for k, v in fields.items()}
        last = None
        if "faces" in got and "persons" in got:
            last = Regrouped(faces=int(got["faces"]), persons=int(got["persons"]))
        return RegroupStatus(
            state=state,
            requested_at=_time(got.get("requested_at")),
            started_at=_time(got.get("started_at")),
            finished_at=_time(got.get("finished_at")),
            placed=int(got.get("placed", 0)),
            total=int(got.get("total", 0)),
            last=last,
        )

    async def started(self, total: int, now: datetime) -> None:
        async with self._pool.pipeline(transaction=True) as tr:
            tr.hdel(STATUS_KEY, "finished_at")
            tr.hset(STATUS_KEY, mapping={"started_at": now.isoformat(), "placed": 0, "total": total})
            await tr.execute()

    async def placed(self, faces: int, total: int) -> None:
        await self._pool.hset(STATUS_KEY, mapping={"placed": faces, "total": total})  # type: ignore[misc]

    async def finished(self, done: Regrouped, now: datetime) -> None:
        await self._pool.hset(  # type: ignore[misc]
            STATUS_KEY, mapping={"finished_at": now.isoformat(), "faces": done.faces, "persons": done.persons}
        )
