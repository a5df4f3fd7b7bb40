from collections import Counter

from framewise.application.ports import Clock, JobQueue, UnitOfWork
from framewise.application.results import BulkReport, TaskSelection
from framewise.domain.task import JobRequest, TaskStatus

RETRYABLE = frozenset({TaskStatus.FAILED, TaskStatus.CANCELLED})


class TaskBulkRetrier:
    """Retry every FAILED or CANCELLED task `selection` picks (an empty one only with `everything`),
    in one transaction, then queue them; the others it picks are counted by status and left alone."""

    def __init__(self, uow: UnitOfWork, queue: JobQueue, clock: Clock) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock

    async def execute(self, selection: TaskSelection, correlation_id: str | None = None) -> BulkReport:
        selection.check_scoped()  # no filter: the whole library, only when asked for by name
        jobs: list[JobRequest] = []
        left: Counter[str] = Counter()
        now = self._clock.now()
        async with self._uow:
            selected = await self._uow.tasks.select(selection, for_update=True)
            for task in (s.task for s in selected):
                if task.status not in RETRYABLE:
                    left[task.status.value] += 1
                    continue
                jobs.append(task.retry(now, correlation_id))
                await self._uow.tasks.save(task)
            await self._uow.commit()
        for job in jobs:  # committed first: a push that fails leaves PENDING tasks the reconciler queues
            await self._queue.push(job)
        return BulkReport(len(selected), len(jobs), [job.task_id for job in jobs], dict(left))
