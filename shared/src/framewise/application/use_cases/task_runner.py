import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace

from framewise.application.ports import Clock, Heartbeats, MediaLibrary, MlClient, MlResultCache, UnitOfWork
from framewise.application.results import (
    MlBusy,
    MlModelUnavailable,
    MlPermanentError,
    MlTransientError,
    RunOutcome,
    RunReport,
)
from framewise.contracts.ml import InferenceRequest, InferenceResponse
from framewise.domain.artifact import ArtifactEnvelope, envelopes_for
from framewise.domain.errors import InvalidPayload
from framewise.domain.ids import TaskId
from framewise.domain.moments import moments_for
from framewise.domain.provenance import config_hash
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from framewise.domain.video import Video


@dataclass(frozen=True)
class RunTask:
    """One job: an attempt of a task. `task_type` comes with the job (None on a job queued before
    jobs carried it: then it is read from the task)."""

    task_id: TaskId
    attempt: int
    task_type: TaskType | None = None


class _Stopped(Exception):
    """The task is not this attempt's to run any more: finished, cancelled or superseded."""


class _NotNow(Exception):
    """The analysis cannot run yet (its model is not available): the task stays PENDING."""


class TaskRunner:
    """Run one attempt of one task, in two transactions around the ML call:

    1. lock the task, fence on the attempt, and mark it RUNNING (or leave it PENDING when its model
       is not available, which is known from the job before any transaction);
    2. the ML call (or the result the ML service kept for this very job), beating the heartbeat;
    3. lock, fence, and either store the artifacts, moments and COMPLETED together, or record how the
       try failed: retry later, wait for a turn, or FAILED.

    Every failure is an exception, recorded in one place (`_outcome_of`)."""

    def __init__(
        self,
        uow: UnitOfWork,
        ml: MlClient,
        results: MlResultCache,
        library: MediaLibrary,
        clock: Clock,
        heartbeats: Heartbeats,
        policy: RetryPolicy,
        heartbeat_s: float = 10.0,
    ) -> None:
        self._uow, self._ml, self._results, self._library, self._clock = uow, ml, results, library, clock
        self._heartbeats, self._policy, self._heartbeat_s = heartbeats, policy, heartbeat_s

    async def execute(self, command: RunTask) -> RunReport:
        task_type = command.task_type or await self._task_type(command.task_id)
        try:
            report = await self._run(command, task_type)
        except _Stopped as stopped:
            report = RunReport(RunOutcome.SKIPPED, error=str(stopped) or None)
        return replace(report, task_type=task_type)

    async def _run(self, command: RunTask, task_type: TaskType) -> RunReport:
        try:
            kept = await self._results.find(command.task_id, command.attempt)
            available = kept is not None or await self._ml.is_available(task_type)
            task, video = await self._start(command, task_type, available)
            envelopes, reused = await self._infer(command, task, video, kept)
            async with self._locked(command) as task:
                stored = await self._uow.artifacts.replace_for_task(
                    task.id, envelopes, moments_for(envelopes, task.config)
                )
                task.complete(command.attempt, self._clock.now())
            return RunReport(RunOutcome.COMPLETED, artifacts=stored, reused_result=reused)
        except _NotNow as exc:
            return RunReport(RunOutcome.DEFERRED, error=str(exc))
        except (MlTransientError, MlModelUnavailable, MlBusy, MlPermanentError, InvalidPayload) as exc:
            return await self._outcome_of(command, exc)

    async def _outcome_of(self, command: RunTask, exc: Exception) -> RunReport:
        """Record a failed try on the task (fenced) and say what the job does next."""
        async with self._locked(command) as task:
            if isinstance(exc, MlBusy):  # a turn at a busy service: no try spent
                wait_s = exc.retry_after or self._policy.try_backoff_s
                task.wait_turn(command.attempt, self._clock.now(), wait_s)
                return RunReport(RunOutcome.DEFERRED, error=str(exc), retry_in_s=wait_s)
            if isinstance(exc, MlTransientError | MlModelUnavailable):
                at_least = (exc.retry_after or 0.0) if isinstance(exc, MlTransientError) else 0.0
                return self._transient(task, command, str(exc), at_least)
            kind = ErrorKind.INVALID_PAYLOAD if isinstance(exc, InvalidPayload) else ErrorKind.PERMANENT
            task.fail(command.attempt, str(exc), kind, self._clock.now())
            return RunReport(RunOutcome.FAILED, error=str(exc))

    async def _start(self, command: RunTask, task_type: TaskType, available: bool) -> tuple[Task, Video]:
        """Transaction 1: fence on the attempt and mark the task RUNNING."""
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id, for_update=True)
            self._fence(task, command.attempt)
            if not available:
                unavailable = f"{task_type} analysis is unavailable"
                if task.status is TaskStatus.RUNNING:  # a resumed attempt: its model went away mid-way
                    raise MlModelUnavailable(unavailable)
                raise _NotNow(unavailable)  # the task stays PENDING, its job waits on the queue
            task.start(command.attempt, self._clock.now())
            video = await self._uow.videos.get(task.video_id)
            await self._uow.tasks.save(task)
            await self._uow.commit()
        return task, video

    async def _infer(
        self, command: RunTask, task: Task, video: Video, kept: InferenceResponse | None
    ) -> tuple[list[ArtifactEnvelope], bool]:
        """The ML call, or the kept result when it answers this very request, as validated envelopes."""
        request = InferenceRequest(
            video_path=self._library.absolute(video.root, video.path),
            task_id=task.id,
            attempt=command.attempt,
            config=task.config,
        )
        reused = kept is not None and kept.answers(
            task.task_type, request, video.content_hash, config_hash(task.config)
        )
        if kept is not None and reused:
            response = kept
        else:
            response = await self._alive_while(
                command, self._ml.infer(task.task_type, request, correlation_id=task.correlation_id)
            )
        if response.provenance.input_hash != video.content_hash:
            raise MlPermanentError("the video's content changed since it was discovered")
        envelopes = envelopes_for(
            task_type=task.task_type,
            video_id=video.id,
            task_id=task.id,
            attempt=command.attempt,
            items=response.items,
            provenance=response.provenance,
            now=self._clock.now(),
        )
        return envelopes, reused

    def _transient(self, task: Task, command: RunTask, error: str, at_least_s: float) -> RunReport:
        delay = self._policy.try_backoff(task.transient_failures + 1, at_least_s)
        tries = task.note_transient_failure(command.attempt, error, self._clock.now(), delay)
        if tries < self._policy.tries_per_attempt:
            return RunReport(RunOutcome.RETRY, error=error, tries=tries, retry_in_s=delay)
        error = f"gave up after {tries} tries: {error}"
        task.fail(command.attempt, error, ErrorKind.TRANSIENT, self._clock.now())
        return RunReport(RunOutcome.FAILED, error=error, tries=tries)

    @asynccontextmanager
    async def _locked(self, command: RunTask) -> AsyncIterator[Task]:
        """Lock the task and fence on the attempt (it must still be this attempt's, RUNNING); the
        body changes it; then save and commit. `_Stopped` when it was cancelled or superseded."""
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id, for_update=True)
            self._fence(task, command.attempt)
            if task.status is not TaskStatus.RUNNING:
                raise _Stopped("cancelled or superseded while it ran")
            yield task
            await self._uow.tasks.save(task)
            await self._uow.commit()

    @staticmethod
    def _fence(task: Task, attempt: int) -> None:
        if task.is_terminal or task.attempt != attempt:
            raise _Stopped("task terminal or attempt stale")

    async def _alive_while(self, command: RunTask, work: Awaitable[InferenceResponse]) -> InferenceResponse:
        """Await `work` while beating the heartbeat every `heartbeat_s`; when a beat finds the task
        no longer this attempt's (cancelled, superseded), stop the work: cooperative cancellation.
        A beat that fails (PostgreSQL briefly away) is not a reason to stop."""
        call = asyncio.ensure_future(work)
        try:
            while True:
                done, _ = await asyncio.wait({call}, timeout=self._heartbeat_s)
                if done:
                    return call.result()
                try:
                    alive = await self._heartbeats.beat(command.task_id, command.attempt, self._clock.now())
                except Exception:  # noqa: BLE001 - the next beat tries again; the lease has slack
                    continue
                if not alive:
                    raise _Stopped("cancelled or superseded while running")
        finally:
            if not call.done():
                call.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await call

    async def _task_type(self, task_id: TaskId) -> TaskType:
        async with self._uow:
            return (await self._uow.tasks.get(task_id)).task_type
