"""`run_task`, the one job the workers run: parse the job, run the attempt, say to arq what next."""

import logging
import re
import time
from contextlib import suppress
from typing import Any

import structlog
from arq import Retry
from sqlalchemy.exc import DBAPIError

from framewise.application.results import RunOutcome, RunReport
from framewise.application.use_cases.task_runner import RunTask
from framewise.contracts.jobs import RunTaskJob
from framewise.domain.ids import TaskId
from framewise.domain.task import recheck_after
from framewise_worker.container import container_of
from framewise_worker.metrics import TASK_DURATION, TASK_ETA, TASK_OUTCOMES, TASK_PROGRESS, WINDOWS_COMMITTED

log = structlog.get_logger("framewise.worker")
NEXT_WINDOW_DEFER_S = 0.001
_ARQ_JOB = re.compile(r"task:([0-9a-f-]{36}):")


class WaitingTasks(logging.Filter):
    """The tasks this process last found waiting for their model. A re-check that finds the same
    says nothing new, so their jobs' lines are dropped: ours (job_started) and arq's own (start,
    retry); the worker logs a waiting task only when its reason changes (see `_record`)."""

    def __init__(self, keep: int = 10_000) -> None:
        super().__init__()
        self._tasks: dict[str, None] = {}  # insertion-ordered: the oldest go first past `keep`
        self._keep = keep
        self._installed = False

    def install(self) -> None:
        if not self._installed:
            logging.getLogger("arq.worker").addFilter(self)
            self._installed = True

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._tasks

    def note(self, task_id: str, waiting: bool) -> bool:
        """Record whether `task_id` waits now; True when it waited before."""
        waited = self._tasks.pop(task_id, 0) is None
        if waiting:
            self._tasks[task_id] = None
            while len(self._tasks) > self._keep:
                del self._tasks[next(iter(self._tasks))]
        return waited

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._tasks:
            return True
        found = _ARQ_JOB.search(record.getMessage())
        return found is None or found.group(1) not in self._tasks


WAITING = WaitingTasks()


async def run_task(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> str:
    job = RunTaskJob.parse(args, kwargs)
    container = container_of(ctx)
    WAITING.install()
    with structlog.contextvars.bound_contextvars(
        correlation_id=job.correlation_id, task_id=str(job.task_id), attempt=job.attempt, job_id=ctx.get("job_id")
    ):
        if str(job.task_id) not in WAITING:  # a re-check of a waiting task says nothing new
            log.info("job_started", job_try=ctx.get("job_try"))
        started = time.perf_counter()
        try:
            resumed = int(ctx.get("job_try") or 1) > 1  # arq's later try of the job: a retry or the next window
            command = RunTask(TaskId(job.task_id), job.attempt, job.task_type, resumed=resumed)
            report = await container.task_runner().execute(command)
        except (OSError, DBAPIError) as exc:
            # PostgreSQL is away: nothing was decided, so the same attempt goes back on the queue.
            delay = container.policy.try_backoff_s * 2
            log.warning("job_store_unreachable", error=f"{type(exc).__name__}: {exc}"[:300], defer_s=delay)
            raise Retry(defer=delay) from exc
        _track(str(job.task_id), report)
        _waiting(str(job.task_id), report)
        settings = container.settings
        recheck = (settings.unavailable_recheck_s, settings.unavailable_recheck_max_s)
        _record(report, time.perf_counter() - started, recheck)
        return report.outcome.value


def _waiting(task_id: str, report: RunReport) -> None:
    """One line when a task stops waiting for its model (the line that it started is `_record`'s)."""
    waits = report.waiting_reason is not None
    if WAITING.note(task_id, waits) and not waits:
        waited = report.waited_s
        log.info("task_stopped_waiting", waited_s=None if waited is None else round(waited, 1))


def _track(task_id: str, report: RunReport) -> None:
    """The progress gauges of a task while its windows run, gone once it ends here."""
    task_type = report.task_type.value if report.task_type else "unknown"
    if report.outcome is RunOutcome.CONTINUE:
        TASK_PROGRESS.labels(task_id, task_type).set(report.progress)
        if report.eta_s is not None:
            TASK_ETA.labels(task_id, task_type).set(report.eta_s)
    elif report.outcome is not RunOutcome.RETRY and report.outcome is not RunOutcome.DEFERRED:
        for gauge in (TASK_PROGRESS, TASK_ETA):
            with suppress(KeyError):
                gauge.remove(task_id, task_type)


def _record(report: RunReport, elapsed: float, recheck: tuple[float, float]) -> None:
    """Metrics and one log line for the outcome; arq's `Retry` for the outcomes that run again."""
    task_type = report.task_type.value if report.task_type else "unknown"
    TASK_OUTCOMES.labels(task_type, report.outcome.value).inc()
    duration_ms = round(elapsed * 1000, 1)
    match report.outcome:
        case RunOutcome.COMPLETED:
            WINDOWS_COMMITTED.labels(task_type).inc()
            TASK_DURATION.labels(task_type, report.outcome.value).observe(elapsed)
            log.info(
                "job_completed", artifacts=report.artifacts, reused_result=report.reused_result, duration_ms=duration_ms
            )
        case RunOutcome.FAILED:
            TASK_DURATION.labels(task_type, report.outcome.value).observe(elapsed)
            log.warning("job_failed", error=report.error, duration_ms=duration_ms)
        case RunOutcome.RETRY:
            log.warning(
                "job_retry_scheduled", error=report.error, tries=report.tries, defer_s=round(report.retry_in_s, 2)
            )
            raise Retry(defer=report.retry_in_s)
        case RunOutcome.DEFERRED if report.waiting_reason is not None:
            # Its model is unavailable: asked again after as long as it has waited (backing off), and
            # logged only when the reason is news; the metric counts every re-check.
            defer = recheck_after(report.waited_s or 0.0, *recheck)
            if report.waiting_changed:
                log.warning("job_deferred", reason=report.waiting_reason, waiting=True, defer_s=round(defer, 2))
            raise Retry(defer=defer)
        case RunOutcome.DEFERRED:
            defer = report.retry_in_s or recheck[0]
            log.info("job_deferred", reason=report.error, defer_s=round(defer, 2))
            raise Retry(defer=defer)
        case RunOutcome.CONTINUE:
            WINDOWS_COMMITTED.labels(task_type).inc()
            log.info(
                "window_committed",
                window=report.window,
                progress=round(report.progress, 4),
                artifacts=report.artifacts,
                duration_ms=duration_ms,
            )
            # To the back of the queue (a score of now, not its first enqueue time): the windows of
            # other videos waiting meanwhile go first.
            raise Retry(defer=NEXT_WINDOW_DEFER_S)
        case RunOutcome.SKIPPED:
            log.info("job_skipped", reason=report.error or "task terminal or attempt stale")
