from framewise.application.ports import Clock, JobQueue, UnitOfWork
from framewise.application.results import JobState, Reconcile, ReconcileAction, ReconcileReport
from framewise.domain.retry import RetryPolicy
from framewise.domain.task import JobRequest, Task, TaskStatus


class TaskReconciler:
    """Repair what the queue lost or a dead worker left, with PostgreSQL as the source of truth:

    - PENDING never queued: queued now. PENDING whose job the queue no longer knows (Valkey restarted
      empty), or whose job a worker took more than `lease_s` ago without starting it (it died in
      between: arq's in-progress key would hold the job until the job timeout): a new attempt, queued.
    - RUNNING whose lease expired while its job waits on its queue (a retry waiting, RUNNING, for a
      free worker): the queue vouches for it, and its lease starts again, so that the worker that
      takes the job later has a whole lease to beat its first heartbeat.
    - RUNNING whose lease expired (no heartbeat for `lease_s`) and whose job is not waiting on its
      queue: the worker is gone, whatever arq's in-progress key still claims; a new attempt is
      queued, or the task is FAILED as lost once its workers died on `attempts_per_task` attempts
      (the retry policy). The old attempt is fenced out if it ever wakes up.
    - RUNNING, alive, but running longer than `stuck_after_s`: reported, never killed.

    Each task is re-read under a row lock before it is changed, so a worker that moved it meanwhile
    wins; every job is pushed only after its transaction committed.
    """

    def __init__(self, uow: UnitOfWork, queue: JobQueue, clock: Clock, policy: RetryPolicy) -> None:
        self._uow, self._queue, self._clock, self._policy = uow, queue, clock, policy

    async def execute(self, command: Reconcile) -> ReconcileReport:
        report = ReconcileReport()
        async with self._uow:
            candidates = await self._uow.tasks.unfinished(running_only=command.leases_only)
        for seen in candidates:
            report.checked += 1
            if seen.status is TaskStatus.PENDING:
                await self._pending(seen, command, report)
            else:
                await self._running(seen, command, report)
        return report

    async def _pending(self, seen: Task, command: Reconcile, report: ReconcileReport) -> None:
        taken = False  # by a worker that died before it started the task
        if seen.job_id is not None:
            state = await self._queue.state(seen.job())
            if state is JobState.QUEUED:
                return
            if state is JobState.RUNNING:
                held = await self._queue.held_s(seen.job())
                if held is None or held <= command.lease_s:
                    return  # a worker has just taken it: starting it is a moment's work
                taken = True
        async with self._uow:
            task = await self._uow.tasks.get(seen.id, for_update=True)
            if task.status is not TaskStatus.PENDING or task.job_id != seen.job_id:
                return  # moved on since we looked
            never_queued = task.job_id is None
            lost = None if never_queued else task.job()
            job = task.enqueue(self._clock.now()) if never_queued else task.requeue(self._clock.now())
            await self._uow.tasks.save(task)
            await self._uow.commit()
        if taken and lost is not None:
            await self._queue.abort(lost)  # its worker, should it be alive after all, stops it
        await self._queue.push(job)
        action = ReconcileAction.ENQUEUED if never_queued else ReconcileAction.REQUEUED
        report.actions.append((task.id, action, job.job_id))

    async def _running(self, seen: Task, command: Reconcile, report: ReconcileReport) -> None:
        now = self._clock.now()
        if not seen.lease_expired(now, command.lease_s):
            started = seen.started_at
            if started is not None and (now - started).total_seconds() > command.stuck_after_s:
                report.actions.append((seen.id, ReconcileAction.STUCK, f"running since {started.isoformat()}"))
            return
        queued = seen.job_id is not None and await self._queue.state(seen.job()) is JobState.QUEUED
        job: JobRequest | None
        async with self._uow:
            task = await self._uow.tasks.get(seen.id, for_update=True)
            if task.attempt != seen.attempt or not task.lease_expired(now, command.lease_s):
                return  # it finished, was cancelled, or beat again since we looked
            if queued:  # a retry waiting on its queue for a free worker: not a dead one
                task.vouch_queued(now)
                await self._uow.tasks.save(task)
                await self._uow.commit()
                return
            lost_attempt = task.job()
            job = task.reclaim(now, self._policy.attempts_per_task)
            await self._uow.tasks.save(task)
            await self._uow.commit()
        await self._queue.abort(lost_attempt)  # tidy: its queue entry must not run it later
        if job is None:
            report.actions.append((task.id, ReconcileAction.FAILED_LOST, task.error or ""))
            return
        await self._queue.push(job)
        report.actions.append((task.id, ReconcileAction.RECLAIMED, job.job_id))
