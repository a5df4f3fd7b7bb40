import asyncio
import random
from collections.abc import Awaitable
from contextlib import suppress
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
from framewise.domain.artifact import ArtifactEnvelope, envelopes_for
from framewise.domain.errors import InvalidPayload
from framewise.domain.ids import TaskId
from framewise.domain.inference import InferenceRequest, InferenceResponse
from framewise.domain.moments import Moment, moments_of
from framewise.domain.provenance import Config, config_hash
from framewise.domain.task import ErrorKind, Task, TaskStatus
from framewise.domain.video import Video


def moments_for(envelopes: list[ArtifactEnvelope], config: Config) -> list[Moment]:
    """The moments of one run's artifacts (all of one analysis and one run)."""
    if not envelopes:
        return []
    first = envelopes[0]
    payloads = [e.payload for e in envelopes]
    return moments_of(first.artifact_type, payloads, config=config, run_id=first.provenance.run_id)


@dataclass(frozen=True)
class RunTask:
    task_id: TaskId
    attempt: int
    max_tries: int = 5  # transient failures one attempt may have before it is FAILED
    backoff_s: float = 2.0  # first retry delay; doubles per try, with full jitter
    backoff_max_s: float = 120.0
    heartbeat_s: float = 10.0  # how often a running attempt proves it is alive


def backoff(tries: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: uniform in [base/2, min(cap, base * 2^(tries-1))]."""
    ceiling = min(cap, base * 2 ** max(0, tries - 1))
    return random.uniform(min(base / 2, ceiling), ceiling)


class _Stopped(Exception):
    """The task stopped being this attempt's to run (cancelled or superseded) while it ran."""


class TaskRunner:
    """Run one attempt of one task: pre-flight, RUNNING, the ML call, then artifacts and COMPLETED
    in one transaction fenced by the attempt number (SPEC S5.2)."""

    def __init__(
        self,
        uow: UnitOfWork,
        ml: MlClient,
        results: MlResultCache,
        library: MediaLibrary,
        clock: Clock,
        heartbeats: Heartbeats,
    ) -> None:
        self._uow, self._ml, self._results, self._library, self._clock = uow, ml, results, library, clock
        self._heartbeats = heartbeats

    async def execute(self, command: RunTask) -> RunReport:
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id)
            if self._is_stale(task, command.attempt):
                return RunReport(RunOutcome.SKIPPED, task_type=task.task_type)
            video = await self._uow.videos.get(task.video_id)
        return replace(await self._run(command, task, video), task_type=task.task_type)

    async def _run(self, command: RunTask, task: Task, video: Video) -> RunReport:
        request = InferenceRequest(
            video_path=self._library.absolute(video.root, video.path),
            task_id=task.id,
            attempt=command.attempt,
            config=task.config,
        )
        kept = await self._kept_result(task, command.attempt, video, request)
        if kept is None and not await self._ml.is_available(task.task_type):
            unavailable = f"{task.task_type} analysis is unavailable"
            if task.status is TaskStatus.RUNNING:  # a resumed attempt: its model went away mid-way
                return await self._transient(command, unavailable)
            # Nothing can run it yet: leave the task PENDING and its job on the queue for later.
            return RunReport(RunOutcome.DEFERRED, error=unavailable)
        if not await self._mark_running(command):
            return RunReport(RunOutcome.SKIPPED)
        outcome = await self._analyse(command, task, video, request, kept)
        if isinstance(outcome, RunReport):
            return outcome
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id, for_update=True)
            if self._is_stale(task, command.attempt) or task.status is not TaskStatus.RUNNING:
                return RunReport(RunOutcome.SKIPPED)  # cancelled or superseded while we worked
            moments = moments_for(outcome, task.config)
            stored = await self._uow.artifacts.replace_for_task(task.id, outcome, moments)
            task.complete(command.attempt, self._clock.now())
            await self._uow.tasks.save(task)
            await self._uow.commit()
        return RunReport(RunOutcome.COMPLETED, artifacts=stored, reused_result=kept is not None)

    async def _analyse(
        self, command: RunTask, task: Task, video: Video, request: InferenceRequest, kept: InferenceResponse | None
    ) -> list[ArtifactEnvelope] | RunReport:
        """The ML call (or the kept result) as validated envelopes, or the report of how it failed."""
        try:
            response = kept or await self._alive_while(
                command, self._ml.infer(task.task_type, request, correlation_id=task.correlation_id)
            )
            if response.provenance.input_hash != video.content_hash:
                raise MlPermanentError("the video's content changed since it was discovered")
            return envelopes_for(
                task_type=task.task_type,
                video_id=video.id,
                task_id=task.id,
                attempt=command.attempt,
                items=response.items,
                provenance=response.provenance,
                now=self._clock.now(),
            )
        except MlTransientError as exc:
            return await self._transient(command, str(exc), at_least_s=exc.retry_after or 0.0)
        except MlModelUnavailable as exc:
            return await self._transient(command, str(exc))
        except MlBusy as exc:
            return await self._wait_turn(command, str(exc), exc.retry_after or command.backoff_s)
        except MlPermanentError as exc:
            return await self._fail(command, str(exc), ErrorKind.PERMANENT)
        except InvalidPayload as exc:
            return await self._fail(command, str(exc), ErrorKind.INVALID_PAYLOAD)
        except _Stopped:
            return RunReport(RunOutcome.SKIPPED, error="cancelled or superseded while running")

    async def _alive_while(self, command: RunTask, work: Awaitable[InferenceResponse]) -> InferenceResponse:
        """Await `work` while beating the heartbeat every `heartbeat_s`; when a beat finds the task
        no longer this attempt's (cancelled, superseded), stop the work: cooperative cancellation.
        A beat that fails (PostgreSQL briefly away) is not a reason to stop."""
        call = asyncio.ensure_future(work)
        try:
            while True:
                done, _ = await asyncio.wait({call}, timeout=command.heartbeat_s)
                if done:
                    return call.result()
                try:
                    alive = await self._heartbeats.beat(command.task_id, command.attempt, self._clock.now())
                except Exception:  # noqa: BLE001 - the next beat tries again; the lease has slack
                    continue
                if not alive:
                    raise _Stopped
        finally:
            if not call.done():
                call.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await call

    async def _kept_result(
        self, task: Task, attempt: int, video: Video, request: InferenceRequest
    ) -> InferenceResponse | None:
        """The ML service's kept result for this job, if it answers this very request: the same
        task and attempt, the same window, the same analysis of the same content with the same
        config. Anything else (another window, another job's answer) is asked again."""
        kept = await self._results.find(task.id, attempt)
        if kept is None:
            return None
        return kept if kept.answers(task.task_type, request, video.content_hash, config_hash(task.config)) else None

    @staticmethod
    def _is_stale(task: Task, attempt: int) -> bool:
        return task.is_terminal or task.attempt != attempt

    async def _mark_running(self, command: RunTask) -> bool:
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id, for_update=True)
            if self._is_stale(task, command.attempt):
                return False
            task.start(command.attempt, self._clock.now())
            await self._uow.tasks.save(task)
            await self._uow.commit()
        return True

    async def _transient(self, command: RunTask, error: str, at_least_s: float = 0.0) -> RunReport:
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id, for_update=True)
            if self._is_stale(task, command.attempt) or task.status is not TaskStatus.RUNNING:
                return RunReport(RunOutcome.SKIPPED)
            delay = max(at_least_s, backoff(task.transient_failures + 1, command.backoff_s, command.backoff_max_s))
            tries = task.note_transient_failure(command.attempt, error, self._clock.now(), delay)
            exhausted = tries >= command.max_tries
            if exhausted:
                error = f"gave up after {tries} tries: {error}"
                task.fail(command.attempt, error, ErrorKind.TRANSIENT, self._clock.now())
            await self._uow.tasks.save(task)
            await self._uow.commit()
        if exhausted:
            return RunReport(RunOutcome.FAILED, error=error)
        return RunReport(RunOutcome.RETRY, error=error, tries=tries, retry_in_s=delay)

    async def _wait_turn(self, command: RunTask, reason: str, wait_s: float) -> RunReport:
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id, for_update=True)
            if self._is_stale(task, command.attempt) or task.status is not TaskStatus.RUNNING:
                return RunReport(RunOutcome.SKIPPED)
            task.wait_turn(command.attempt, self._clock.now(), wait_s)
            await self._uow.tasks.save(task)
            await self._uow.commit()
        return RunReport(RunOutcome.DEFERRED, error=reason, retry_in_s=wait_s)

    async def _fail(self, command: RunTask, error: str, kind: ErrorKind) -> RunReport:
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id, for_update=True)
            if self._is_stale(task, command.attempt) or task.status is not TaskStatus.RUNNING:
                return RunReport(RunOutcome.SKIPPED)
            task.fail(command.attempt, error, kind, self._clock.now())
            await self._uow.tasks.save(task)
            await self._uow.commit()
        return RunReport(RunOutcome.FAILED, error=error)
