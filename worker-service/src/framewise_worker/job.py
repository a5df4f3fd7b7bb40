"""`run_task`, the one job the workers run: parse the job, run the attempt, say to arq what next."""

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
from framewise_worker.container import container_of
from framewise_worker.metrics import TASK_DURATION, TASK_ETA, TASK_OUTCOMES, TASK_PROGRESS, WINDOWS_COMMITTED

log = structlog.get_logger("framewise.worker")
NEXT_WINDOW_DEFER_S = 0.001


async def run_task(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> str:
    job = RunTaskJob.parse(args, kwargs)
    container = container_of(ctx)
    with structlog.contextvars.bound_contextvars(
        correlation_id=job.correlation_id, task_id=str(job.task_id), attempt=job.attempt, job_id=ctx.get("job_id")
    ):
        log.info("job_started", job_try=ctx.get("job_try"))
        started = time.perf_counter()
        try:
            report = await container.task_runner().execute(RunTask(TaskId(job.task_id), job.attempt, job.task_type))
        except (OSError, DBAPIError) as exc:
            # PostgreSQL is away: nothing was decided, so the same attempt goes back on the queue.
            delay = container.policy.try_backoff_s * 2
            log.warning("job_store_unreachable", error=f"{type(exc).__name__}: {exc}"[:300], defer_s=delay)
            raise Retry(defer=delay) from exc
        _track(str(job.task_id), report)
        _record(report, time.perf_counter() - started, container.settings.unavailable_recheck_s)
        return report.outcome.value


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


def _record(report: RunReport, elapsed: float, recheck_s: float) -> None:
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
        case RunOutcome.DEFERRED:
            defer = report.retry_in_s or recheck_s
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
