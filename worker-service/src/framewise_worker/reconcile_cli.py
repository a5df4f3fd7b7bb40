"""`framewise-reconcile`: one full reconciler pass now, on demand (the workers also run it on their
clock). Prints what it did as JSON and exits 0. Safe to run while workers run: every change is made
under a row lock and fenced by the attempt number, exactly as the clock's pass is."""

import argparse
import asyncio
import json

from framewise.application.results import Reconcile
from framewise.infrastructure.logging import configure_logging
from framewise.infrastructure.settings import load_settings
from framewise_worker.container import WorkerContainer
from framewise_worker.settings import WorkerSettings


async def run(settings: WorkerSettings, *, leases_only: bool) -> dict[str, object]:
    container = await WorkerContainer.open(settings)
    try:
        command = Reconcile(lease_s=settings.lease_s, stuck_after_s=settings.stuck_after_s, leases_only=leases_only)
        report = await container.task_reconciler().execute(command)
    finally:
        await container.close()
    return {
        "checked": report.checked,
        "actions": [{"task_id": str(t), "action": a.value, "detail": d} for t, a, d in report.actions],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="framewise-reconcile",
        allow_abbrev=False,
        description="Run one reconciler pass now: queue orphaned PENDING tasks, reclaim RUNNING tasks whose "
        "worker died, report stuck ones. Reads the workers' settings (DATABASE_URL, VALKEY_URL, ...).",
    )
    parser.add_argument("--leases-only", action="store_true", help="only reclaim RUNNING tasks with expired leases")
    args = parser.parse_args(argv)
    settings = load_settings(WorkerSettings)
    configure_logging("reconciler", settings.log_format, settings.log_level)
    print(json.dumps(asyncio.run(run(settings, leases_only=args.leases_only)), indent=2))


if __name__ == "__main__":
    main()
