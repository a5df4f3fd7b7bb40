"""When the reconciler runs: beside the jobs in every worker process, never queued behind them.

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

log = structlog.get_logger("framewise.worker")

Pass = Callable[[dict[str, Any]], Awaitable[dict[str, int]]]


async def _claim(ctx: dict[str, Any], name: str, tick: int, hold_s: int) -> bool:
    claimed = await ctx["redis"].set(f"framewise:reconcile:{name}:{tick}", os.getpid(), nx=True, ex=hold_s)
    return bool(claimed)


async def run_reconciler_clock(
    ctx: dict[str, Any], *, leases: Pass, full: Pass, every_s: int, full_every_s: int
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
