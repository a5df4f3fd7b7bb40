"""arq job functions: parse the job, call one use case, turn its outcome into arq's terms."""

import random
import time
from typing import Any
from uuid import UUID

import structlog
from arq import Retry

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask
from framewise.domain.ids import TaskId
from framewise_worker.container import container_of
from framewise_worker.metrics import TASK_DURATION, TASK_OUTCOMES

log = structlog.get_logger("framewise.worker")


def backoff(tries: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: uniform in [base/2, min(cap, base * 2^(tries-1))]."""
    ceiling = min(cap, base * 2 ** max(0, tries - 1))
    return random.uniform(min(base / 2, ceiling), ceiling)


async def run_task(ctx: dict[str, Any], task_id: str, attempt: int, correlation_id: str) -> str:
    container = container_of(ctx)
    settings = container.settings
    with structlog.contextvars.bound_contextvars(
        correlation_id=correlation_id, task_id=task_id, attempt=attempt, job_id=ctx.get("job_id")
    ):
        log.info("job_started", job_try=ctx.get("job_try"))
        started = time.perf_counter()
        report = await container.task_runner(ctx["redis"]).execute(
            RunTask(TaskId(UUID(task_id)), attempt, max_tries=settings.max_tries)
        )
        elapsed = time.perf_counter() - started
        TASK_OUTCOMES.labels(report.outcome.value).inc()
        if report.outcome is RunOutcome.COMPLETED:
            TASK_DURATION.observe(elapsed)
            log.info(
                "job_completed",
                artifacts=report.artifacts,
                reused_result=report.reused_result,
                duration_ms=round(elapsed * 1000, 1),
            )
        elif report.outcome is RunOutcome.FAILED:
            log.warning("job_failed", error=report.error, duration_ms=round(elapsed * 1000, 1))
        elif report.outcome is RunOutcome.RETRY:
            delay = backoff(report.tries, settings.retry_backoff_s, settings.retry_backoff_max_s)
            log.warning("job_retry_scheduled", error=report.error, tries=report.tries, defer_s=round(delay, 2))
            raise Retry(defer=delay)
        elif report.outcome is RunOutcome.DEFERRED:
            log.info("job_deferred", reason=report.error, defer_s=settings.unavailable_recheck_s)
            raise Retry(defer=settings.unavailable_recheck_s)
        else:
            log.info("job_skipped", reason="task terminal or attempt stale")
        return report.outcome.value
