"""The reconciler's clock: when the reconciler runs, beside the jobs in every worker process, never
queued behind them.

An arq cron would be an ordinary job on the pool's own queue, waiting behind every job queued before
it and for a free slot; a dead worker's task would then be reclaimed only once the backlog drained.
So each worker runs a small clock instead, and one Valkey key per tick (SET NX) makes exactly one
process across all workers run that tick's pass: the lease check every LEASE_CHECK_EVERY_S, the full
pass every RECONCILE_EVERY_MIN minutes.
"""

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from framewise.application.results import Reconcile, ReconcileAction
from framewise_worker.container import container_of
from framewise_worker.metrics import RECONCILER_ACTIONS

log = structlog.get_logger("framewise.worker")

Pass = Callable[[dict[str, Any]], Awaitable[dict[str, int]]]


async def _reconcile(ctx: dict[str, Any], *, leases_only: bool) -> dict[str, int]:
    container = container_of(ctx)
    s = container.settings
    command = Reconcile(lease_s=s.lease_s, stuck_after_s=s.stuck_after_s, leases_only=leases_only)
    report = await container.task_reconciler().execute(command)
    for task_id, action, detail in report.actions:
        RECONCILER_ACTIONS.labels(action.value).inc()
        level = log.info if action is not ReconcileAction.STUCK else log.warning
        level("reconciler_action", action=action.value, task_id=str(task_id), detail=detail)
    counts = {action.value: report.count(action) for action in ReconcileAction}
    log.info("reconciler_finished", scope="leases" if leases_only else "full", checked=report.checked, **counts)
    return counts


async def full_pass(ctx: dict[str, Any]) -> dict[str, int]:
    """Orphaned PENDING tasks, dead workers' RUNNING tasks, stuck ones."""
    return await _reconcile(ctx, leases_only=False)


async def lease_pass(ctx: dict[str, Any]) -> dict[str, int]:
    """RUNNING tasks whose worker stopped beating, retried within a minute."""
    return await _reconcile(ctx, leases_only=True)


async def _claim(ctx: dict[str, Any], name: str, tick: int, hold_s: int) -> bool:
    claimed = await ctx["redis"].set(f"framewise:reconcile:{name}:{tick}", os.getpid(), nx=True, ex=hold_s)
    return bool(claimed)


async def run_reconciler_clock(
    ctx: dict[str, Any], *, every_s: int, full_every_s: int, leases: Pass = lease_pass, full: Pass = full_pass
) -> None:
    """Until cancelled: at each `every_s` boundary claim the lease tick (and at each `full_every_s`
    boundary the full one) and run the pass if this process won it. A failing pass (a store briefly
    away) is logged; the next tick tries again."""
    while True:
        await asyncio.sleep(every_s - time.time() % every_s)
        tick = round(time.time() / every_s)
        at = tick * every_s
        try:
            if at % full_every_s == 0:  # the full pass includes the lease check
                if await _claim(ctx, "full", at // full_every_s, hold_s=full_every_s):
                    await full(ctx)
            elif await _claim(ctx, "leases", tick, hold_s=max(2 * every_s, 10)):
                await leases(ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a store briefly away: the next tick tries again
            log.warning("reconciler_failed", error=f"{type(exc).__name__}: {exc}")
