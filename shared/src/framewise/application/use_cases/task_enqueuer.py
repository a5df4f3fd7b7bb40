from framewise.application.ports import Clock, JobQueue, UnitOfWork
from framewise.application.results import Enqueued
from framewise.domain.ids import TaskId


class TaskEnqueuer:
    """Put one PENDING task on the queue its device class routes to."""

    def __init__(self, uow: UnitOfWork, queue: JobQueue, clock: Clock) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock

    async def execute(self, task_id: TaskId, correlation_id: str | None = None) -> Enqueued:
        async with self._uow:
            task = await self._uow.tasks.get(task_id, for_update=True)
            opens = task.job_id is None  # else the attempt is open already: nothing to store
            job = task.enqueue(self._clock.now(), correlation_id)  # the domain rejects non-PENDING
            if opens:
                await self._uow.tasks.save(task)
                await self._uow.commit()
        # Commit first: if the push fails, the reconciler re-enqueues the PENDING task;
        # pushing first could run a job for a row that was never saved.
        created = await self._queue.push(job)
        return Enqueued(task_id=task.id, job_id=job.job_id, queue=job.queue.value, created=created)
