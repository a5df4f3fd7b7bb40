from framewise.application.ports import Clock, JobQueue, UnitOfWork
from framewise.domain.ids import TaskId
from framewise.domain.task import Task


class TaskCanceller:
    """Cancel a PENDING or RUNNING task: CANCELLED is committed first, then its job is aborted.

    Committing first is what makes the cancel stick whatever the queue does: a queued job that
    still reaches a worker is skipped by its pre-flight, and a running one can no longer write its
    result because the completing transaction is fenced on RUNNING.
    """

    def __init__(self, uow: UnitOfWork, queue: JobQueue, clock: Clock) -> None:
        self._uow, self._queue, self._clock = uow, queue, clock

    async def execute(self, task_id: TaskId) -> Task:
        async with self._uow:
            task = await self._uow.tasks.get(task_id, for_update=True)
            task.cancel(self._clock.now())  # the domain rejects anything but PENDING and RUNNING
            await self._uow.tasks.save(task)
            await self._uow.commit()
        if task.job_id is not None:
            await self._queue.abort(task.job())
        return task
