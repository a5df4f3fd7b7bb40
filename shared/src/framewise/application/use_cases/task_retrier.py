from framewise.application.ports import Clock, JobQueue, UnitOfWork
from framewise.application.results import Enqueued
from framewise.domain.ids import TaskId


class TaskRetrier:
    """Send a FAILED or CANCELLED task back to PENDING as a new attempt and queue it at once.

    The new attempt has a new job id, so no result key an old attempt left in the queue can
    block it, and an old attempt's job that still runs is fenced out by the attempt number.
    """

    def __init__(self, uow: UnitOfWork, queue: JobQueue, clock: Clock) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock

    async def execute(self, task_id: TaskId, correlation_id: str | None = None) -> Enqueued:
        async with self._uow:
            task = await self._uow.tasks.get(task_id, for_update=True)
            job = task.retry(self._clock.now(), correlation_id)  # the domain rejects the other states
            await self._uow.tasks.save(task)
            await self._uow.commit()
        created = await self._queue.push(job)
        return Enqueued(task_id=task.id, job_id=job.job_id, queue=job.queue.value, created=created)
