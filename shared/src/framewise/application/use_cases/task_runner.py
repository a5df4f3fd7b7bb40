import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NoReturn, cast

from pydantic import JsonValue

from framewise.application.face_grouping import add_faces
from framewise.application.ports import Clock, Heartbeats, MediaLibrary, MlClient, MlResultCache, UnitOfWork
from framewise.application.results import (
    Availability,
    CommittedWindow,
    MlBusy,
    MlModelUnavailable,
    MlPermanentError,
    MlTransientError,
    RunOutcome,
    RunProgress,
    RunReport,
)
from framewise.application.voice_grouping import add_voices
from framewise.contracts.ml import InferenceRequest, InferenceResponse
from framewise.domain.analyses import analysis_of
from framewise.domain.artifact import envelopes_for
from framewise.domain.errors import InvalidPayload, TaskNotFound
from framewise.domain.faces import face_tracks
from framewise.domain.ids import TaskId
from framewise.domain.moments import moments_of
from framewise.domain.payloads import ArtifactType, Payload, SceneV1, TranscriptSegmentV1
from framewise.domain.progress import Checkpoint, fraction_done, time_left_s
from framewise.domain.provenance import config_hash
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.task import ErrorKind, Task, TaskStatus
from framewise.domain.video import Video, VideoStatus
from framewise.domain.voices import voice_turns
from framewise.domain.windows import (
    Stitching,
    Window,
    WindowSizes,
    cuts_inside,
    plan,
    request_span,
    scenes_from_cuts,
    words_inside,
)


@dataclass(frozen=True)
class RunTask:
    """One job: an attempt of a task. `task_type` comes with the job (None on a job queued before
    jobs carried it: then it is read from the task)."""

    task_id: TaskId
    attempt: int
    task_type: TaskType | None = None
    resumed: bool = False  # a later try of the job (a retry, the next window): the attempt may be RUNNING


class _Stopped(Exception):
    """The task is not this attempt's to run any more: finished, cancelled or superseded."""


class _NotNow(Exception):
    """The analysis cannot run yet (its model is not available): the task stays PENDING."""

    def __init__(self, report: RunReport) -> None:
        super().__init__(report.error)
        self.report = report


class TaskRunner:
    """Run the next window of one attempt of one task, in two transactions around the ML call:

    1. lock the task, fence on the attempt, mark it RUNNING (or leave it PENDING when its model is
       not available, which is known from the job before any transaction), and read which windows
       its run has committed;
    2. the ML call for the first window not committed (or the result the ML service kept for this
       very request), beating the heartbeat;
    3. lock, fence, and either commit the window (its artifacts, the run's moments, progress, and
       COMPLETED with the last window) together, or record how the try failed: retry later, wait for
       a turn, or FAILED.

    One window per job run: with more to go the outcome is CONTINUE and the job goes to the back of
    its queue, so the windows of different videos interleave. Every failure is an exception,
    recorded in one place (`_outcome_of`)."""

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
        windows: WindowSizes | None = None,
    ) -> None:
        self._uow, self._ml, self._results, self._library, self._clock = uow, ml, results, library, clock
        self._heartbeats, self._policy, self._heartbeat_s = heartbeats, policy, heartbeat_s
        self._windows = windows or WindowSizes()

    async def execute(self, command: RunTask) -> RunReport:
        gone = RunReport(RunOutcome.SKIPPED, error="the task no longer exists (its video was forgotten)")
        try:
            task_type = command.task_type or await self._task_type(command.task_id)
        except TaskNotFound:
            return gone
        try:
            report = await self._run(command, task_type)
        except _Stopped as stopped:
            report = RunReport(RunOutcome.SKIPPED, error=str(stopped) or None)
        except TaskNotFound:
            report = gone
        return replace(report, task_type=task_type)

    async def _run(self, command: RunTask, task_type: TaskType) -> RunReport:
        waited_s: float | None = None  # how long the task had waited before this run started it
        try:
            if command.resumed:  # its job was just taken: alive from now, before the checks below take their time
                await self._heartbeats.beat(command.task_id, command.attempt, self._clock.now())
            kept = await self._results.find(command.task_id, command.attempt)
            availability = Availability() if kept is not None else await self._ml.is_available(task_type)
            task, video, progress, waited_s = await self._start(command, task_type, availability)
            report = await self._window(command, task, video, progress, kept)
        except _NotNow as exc:
            return exc.report
        except (MlTransientError, MlModelUnavailable, MlBusy, MlPermanentError, InvalidPayload) as exc:
            report = await self._outcome_of(command, exc)
        return report if waited_s is None else replace(report, waited_s=waited_s)

    async def _window(
        self, command: RunTask, task: Task, video: Video, progress: RunProgress, kept: InferenceResponse | None
    ) -> RunReport:
        """The first window not committed: its ML call (or the kept result), then its commit."""
        analysis = analysis_of(task.task_type)
        duration = video.media.duration_ms if video.media else 0
        windows = plan(duration, self._windows.of(task.task_type), analysis.grid_ms(task.config))
        window = next((w for w in windows if w.index not in progress.windows), None)
        if window is None:  # every window committed (the last one completes the task): finish it
            async with self._locked(command) as locked:
                locked.complete(command.attempt, self._clock.now())
            return RunReport(RunOutcome.COMPLETED, progress=1.0)
        started = time.perf_counter()
        response, reused = await self._infer(
            command, task, video, kept, request_span(analysis.stitching, window, duration)
        )
        compute_ms = (time.perf_counter() - started) * 1000
        async with self._locked(command) as locked:
            return await self._commit(command, locked, video, windows, window, response, compute_ms, reused)

    async def _outcome_of(self, command: RunTask, exc: Exception) -> RunReport:
        """Record a failed try on the task (fenced) and say what the job does next."""
        async with self._locked(command) as task:
            if isinstance(exc, MlBusy | MlModelUnavailable):  # a turn, or the model: no try spent
                wait_s = exc.retry_after or self._policy.try_backoff_s
                task.wait_turn(command.attempt, self._clock.now(), wait_s)
                return RunReport(RunOutcome.DEFERRED, error=str(exc), retry_in_s=wait_s)
            if isinstance(exc, MlTransientError):
                return self._transient(task, command, str(exc), exc.retry_after or 0.0)
            kind = ErrorKind.INVALID_PAYLOAD if isinstance(exc, InvalidPayload) else ErrorKind.PERMANENT
            task.fail(command.attempt, str(exc), kind, self._clock.now())
            return RunReport(RunOutcome.FAILED, error=str(exc))

    async def _start(
        self, command: RunTask, task_type: TaskType, availability: Availability
    ) -> tuple[Task, Video, RunProgress, float | None]:
        """Transaction 1: fence on the attempt, mark the task RUNNING, read its run's progress; and
        how long it had waited for its model (None when it had not)."""
        async with self._uow:
            task = await self._uow.tasks.get(command.task_id, for_update=True)
            self._fence(task, command.attempt)
            now = self._clock.now()
            if not availability.available:
                reason = availability.reason or f"{task_type} analysis is unavailable"
                if task.status is TaskStatus.RUNNING:  # a resumed attempt: its model went away mid-way
                    raise MlModelUnavailable(reason)
                await self._wait(task, reason, now)  # the task stays PENDING, its job waits on the queue
            video = await self._uow.videos.get(task.video_id)
            if video.status is VideoStatus.MISSING and task.status is TaskStatus.PENDING:
                # Nothing to read until discovery sees the file again (or a copy of it): wait, as for a model.
                await self._wait(task, f"the video's file is missing (last seen at {video.path})", now)
            waited_s = task.waited_s(now)
            task.start(command.attempt, now)
            progress = await self._uow.artifacts.run_progress(task.id)
            await self._uow.tasks.save(task)
            await self._uow.commit()
        return task, video, progress, waited_s

    async def _wait(self, task: Task, reason: str, now: datetime) -> NoReturn:
        """The PENDING task cannot start: record why (written only when the reason is news, so a
        re-check that finds the same costs no write) and say so."""
        changed = task.wait(reason, now)
        if changed:
            await self._uow.tasks.save(task)
            await self._uow.commit()
        report = RunReport(
            RunOutcome.DEFERRED,
            error=reason,
            waiting_reason=reason,
            waiting_changed=changed,
            waited_s=task.waited_s(now),
        )
        raise _NotNow(report)

    async def _infer(
        self,
        command: RunTask,
        task: Task,
        video: Video,
        kept: InferenceResponse | None,
        span: tuple[int, int | None],
    ) -> tuple[InferenceResponse, bool]:
        """The ML call for `span`, or the kept result when it answers this very request."""
        request = InferenceRequest(
            video_path=self._library.absolute(video.root, video.path),
            task_id=task.id,
            attempt=command.attempt,
            start_ms=span[0] or None,
            end_ms=span[1],
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
        return response, reused

    async def _commit(
        self,
        command: RunTask,
        task: Task,
        video: Video,
        windows: list[Window],
        window: Window,
        response: InferenceResponse,
        compute_ms: float,
        reused: bool,
    ) -> RunReport:
        """Transaction 2 (the task locked and fenced): the window's artifacts join the run, the
        run's moments are rebuilt, progress moves, and the last window completes the task."""
        artifacts, now = self._uow.artifacts, self._clock.now()
        progress = await artifacts.run_progress(task.id)
        fresh = progress.run is None or not progress.windows  # the run's first window: it creates the run
        run = response.provenance if fresh or progress.run is None else progress.run
        if fresh:
            progress = RunProgress(shown_run=progress.shown_run)
        elif run.model_copy(update={"run_id": ""}) != response.provenance.model_copy(update={"run_id": ""}) or any(
            (c.start_ms, c.end_ms) != (windows[i].start_ms, windows[i].end_ms) if i < len(windows) else True
            for i, c in progress.windows.items()
        ):
            # The model (weights, config, device) or the window length changed since the windows so
            # far were committed: they are of another run, so it starts over.
            await artifacts.reset_run(task.id)
            task.advance(command.attempt, 0.0, None, now)
            return RunReport(RunOutcome.CONTINUE, error="the model or the windows changed: starting over")
        if window.index in progress.windows:
            return RunReport(RunOutcome.CONTINUE, window=window.index, progress=task.progress)
        analysis = analysis_of(task.task_type)
        items, replace = await self._stitched(analysis.stitching, window, response.items, run.run_id)
        envelopes = envelopes_for(
            task_type=task.task_type,
            video_id=video.id,
            task_id=task.id,
            attempt=command.attempt,
            items=items,
            provenance=run,
            now=now,
        )
        stored = await artifacts.commit_window(
            task.id,
            window,
            run,
            envelopes,
            attempt=command.attempt,
            compute_ms=compute_ms,
            now=now,
            replace=replace,
            fresh=fresh,
            hidden=progress.replacing,
        )
        done = {**progress.windows, window.index: CommittedWindow(window.start_ms, window.end_ms, compute_ms, now)}
        last = all(w.index in done for w in windows)
        payloads: list[dict[str, JsonValue]] | None = None
        if last or not progress.replacing:
            payloads = [e.payload for e in envelopes] if fresh else await artifacts.run_payloads(run.run_id)
        if last and payloads is not None:
            await self._group(task, video, run.run_id, payloads, now)
        if last:  # a run that replaces a finished one takes its place now, in this transaction
            await artifacts.finish_run(task.id, run.run_id, now)
        if payloads is not None:
            # The run's moments, over all its windows (the first window's are its own envelopes); a
            # re-index run's appear all at once with its last window, never mixed with the old run's.
            moments = moments_of(analysis.artifact_type, payloads, config=task.config, run_id=run.run_id)
            await artifacts.replace_moments(task.id, video.id, run.run_id, moments, fresh=fresh)
        if last and analysis.artifact_type is ArtifactType.TRANSCRIPT_SEGMENT:
            await self._uow.speakers.link_moments(run.run_id)  # the run's speech carries its turns' speakers
        if last:
            task.complete(command.attempt, now)
            return RunReport(
                RunOutcome.COMPLETED, artifacts=stored, reused_result=reused, window=window.index, progress=1.0
            )
        fraction, eta_s = _progress(windows, done, task.started_at)
        task.advance(command.attempt, fraction, eta_s, now)
        return RunReport(
            RunOutcome.CONTINUE,
            artifacts=stored,
            reused_result=reused,
            window=window.index,
            progress=fraction,
            eta_s=eta_s,
        )

    async def _group(
        self, task: Task, video: Video, run_id: str, payloads: list[dict[str, JsonValue]], now: datetime
    ) -> None:
        """A finished run's faces join persons, its voices speakers, before the run it replaces (if
        any) goes with its own, so the same faces and voices seen again land where people put them."""
        analysis = analysis_of(task.task_type)
        if analysis.artifact_type is ArtifactType.FACE:
            tracks = face_tracks(payloads, interval_ms=analysis.grid_ms(task.config))
            await add_faces(self._uow.persons, video.id, task.id, run_id, tracks, now)
        elif analysis.artifact_type is ArtifactType.TRANSCRIPT_SEGMENT:
            await add_voices(self._uow.speakers, video.id, task.id, run_id, voice_turns(payloads), now)

    async def _stitched(
        self, stitching: Stitching, window: Window, items: list[Payload], run_id: str
    ) -> tuple[Sequence[Payload], bool]:
        """The items the window adds to its run, and whether they replace the run's whole set."""
        if stitching is Stitching.SPEECH:
            return words_inside(window, cast(list[TranscriptSegmentV1], items)), False
        if stitching is Stitching.CUTS:
            cuts, end_ms = cuts_inside(window, cast(list[SceneV1], items))
            earlier = await self._uow.artifacts.run_payloads(run_id)  # the run's scenes as stored
            cuts += [cast(int, p["start_ms"]) for p in earlier[1:]]
            return scenes_from_cuts(cuts, end_ms), True
        return items, False

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


def _progress(
    windows: list[Window], done: dict[int, CommittedWindow], since: datetime | None
) -> tuple[float, float | None]:
    """Committed media time over the whole, and the wall time the rest takes at the pace of the
    last windows committed since `since`, this attempt's start (`framewise.domain.progress`)."""

    def length(w: Window | CommittedWindow) -> int:
        return max(0, (w.end_ms or w.start_ms) - w.start_ms)

    total = sum(length(w) for w in windows)
    committed = sum(length(w) for w in done.values())
    checkpoints = [Checkpoint(length(w), w.committed_at) for w in done.values()]
    return fraction_done(total, committed), time_left_s(total - committed, checkpoints, since)
