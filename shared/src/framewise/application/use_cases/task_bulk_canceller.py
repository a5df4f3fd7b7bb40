from collections import Counter

from framewise.application.ports import Clock, JobQueue, UnitOfWork
from framewise.application.results import BulkReport, TaskSelection
from framewise.domain.task import JobRequest, TaskStatus

CANCELLABLE = frozenset({TaskStatus.PENDING, TaskStatus.RUNNING})


class TaskBulkCanceller:
    """Cancel every PENDING or RUNNING task `selection` picks (an empty one only with `everything`):
    CANCELLED is committed for all in one transaction, then their jobs are aborted (as one cancel
    does); the others it picks are counted by status and left alone."""

    def __init__(self, uow: UnitOfWork, queue: JobQueue, clock: Clock) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock

    async def execute(self, selection: TaskSelection) -> BulkReport:
        selection.check_scoped()  # no filter: the whole library, only when asked for by name
        cancelled: list[JobRequest | None] = []
        ids = []
        left: Counter[str] = Counter()
        now = self._clock.now()
        async with self._uow:
            selected = await self._uow.tasks.select(selection, for_update=True)
            for task in (s.task for s in selected):
                if task.status not in CANCELLABLE:
                    left[task.status.value] += 1
                    continue
                task.cancel(now)
                await self._uow.tasks.save(task)
                ids.append(task.id)
                cancelled.append(task.job() if task.job_id is not None else None)
            await self._uow.commit()
        for job in cancelled:
            if job is not None:
                await self._queue.abort(job)
        return BulkReport(len(selected), len(ids), ids, dict(left))
