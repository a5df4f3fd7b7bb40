"""arq job functions: parse the job, call one use case, turn its outcome into arq's terms."""

import time
from typing import Any
from uuid import UUID

import structlog
from arq import Retry
from arq.connections import ArqRedis
from sqlalchemy.exc import DBAPIError

from framewise.application.results import Reconcile, ReconcileAction, RunOutcome, RunReport
from framewise.application.use_cases.task_runner import RunTask
from framewise.domain.ids import TaskId
from framewise_worker.container import WorkerContainer, container_of
from framewise_worker.metrics import RECONCILER_ACTIONS, TASK_DURATION, TASK_OUTCOMES

log = structlog.get_logger("framewise.worker")


async def run(container: WorkerContainer, redis: ArqRedis, task_id: str, attempt: int) -> RunReport:
    """One attempt through the use case, with the worker's retry and heartbeat settings."""
    settings = container.settings
    return await container.task_runner(redis).execute(
        RunTask(
            TaskId(UUID(task_id)),
            attempt,
            max_tries=settings.max_tries,
            backoff_s=settings.retry_backoff_s,
            backoff_max_s=settings.retry_backoff_max_s,
            heartbeat_s=settings.heartbeat_s,
        )
    )


async def run_task(ctx: dict[str, Any], task_id: str, attempt: int, correlation_id: str) -> str:
    container = container_of(ctx)
    settings = container.settings
    with structlog.contextvars.bound_contextvars(
        correlation_id=correlation_id, task_id=task_id, attempt=attempt, job_id=ctx.get("job_id")
    ):
        log.info("job_started", job_try=ctx.get("job_try"))
        started = time.perf_counter()
        try:
            report = await run(container, ctx["redis"], task_id, attempt)
        except (OSError, DBAPIError) as exc:
            # PostgreSQL is away: nothing was decided, so the same attempt goes back on the queue.
            delay = settings.retry_backoff_s * 2
            log.warning("job_store_unreachable", error=f"{type(exc).__name__}: {exc}"[:300], defer_s=delay)
            raise Retry(defer=delay) from exc
        elapsed = time.perf_counter() - started
        task_type = report.task_type.value if report.task_type else "unknown"
        TASK_OUTCOMES.labels(task_type, report.outcome.value).inc()
        if report.outcome in (RunOutcome.COMPLETED, RunOutcome.FAILED):
            TASK_DURATION.labels(task_type, report.outcome.value).observe(elapsed)
        if report.outcome is RunOutcome.COMPLETED:
            log.info(
                "job_completed",
                artifacts=report.artifacts,
                reused_result=report.reused_result,
                duration_ms=round(elapsed * 1000, 1),
            )
        elif report.outcome is RunOutcome.FAILED:
            log.warning("job_failed", error=report.error, duration_ms=round(elapsed * 1000, 1))
        elif report.outcome is RunOutcome.RETRY:
            log.warning(
                "job_retry_scheduled", error=report.error, tries=report.tries, defer_s=round(report.retry_in_s, 2)
            )
            raise Retry(defer=report.retry_in_s)
        elif report.outcome is RunOutcome.DEFERRED:
            defer = report.retry_in_s or settings.unavailable_recheck_s
            log.info("job_deferred", reason=report.error, defer_s=round(defer, 2))
            raise Retry(defer=defer)
        else:
            log.info("job_skipped", reason=report.error or "task terminal or attempt stale")
        return report.outcome.value


async def _reconcile(ctx: dict[str, Any], *, leases_only: bool) -> dict[str, int]:
    container = container_of(ctx)
    s = container.settings
    command = Reconcile(
        lease_s=s.lease_s, max_attempts=s.max_attempts, stuck_after_s=s.stuck_after_s, leases_only=leases_only
    )
    report = await container.task_reconciler(ctx["redis"]).execute(command)
    for task_id, action, detail in report.actions:
        RECONCILER_ACTIONS.labels(action.value).inc()
        level = log.info if action is not ReconcileAction.STUCK else log.warning
        level("reconciler_action", action=action.value, task_id=str(task_id), detail=detail)
    counts = {action.value: report.count(action) for action in ReconcileAction}
    log.info("reconciler_finished", scope="leases" if leases_only else "full", checked=report.checked, **counts)
    return counts


async def reconcile(ctx: dict[str, Any]) -> dict[str, int]:
    """The full pass (SPEC S5.7): orphaned PENDING tasks, dead workers' RUNNING tasks, stuck ones."""
    return await _reconcile(ctx, leases_only=False)


async def check_leases(ctx: dict[str, Any]) -> dict[str, int]:
    """The frequent pass: RUNNING tasks whose worker stopped beating, retried within a minute."""
    return await _reconcile(ctx, leases_only=True)
