"""`framewise-reconcile`: one full reconciler pass now, on demand (the workers also run it by cron).

Prints what it did as JSON and exits 0. Safe to run while workers run: every change is made under
a row lock and fenced by the attempt number, exactly as the cron's pass is.
"""

import asyncio
import json
import sys

from framewise.application.results import Reconcile
from framewise.infrastructure.logging import configure_logging
from framewise.infrastructure.queue.arq_job_queue import open_pool
from framewise.infrastructure.settings import load_settings
from framewise_worker.container import WorkerContainer
from framewise_worker.settings import WorkerSettings


async def run(settings: WorkerSettings, *, leases_only: bool) -> dict[str, object]:
    container = await WorkerContainer.open(settings)
    pool = await open_pool(settings.valkey_url)
    try:
        command = Reconcile(
            lease_s=settings.lease_s,
            max_attempts=settings.max_attempts,
            stuck_after_s=settings.stuck_after_s,
            leases_only=leases_only,
        )
        report = await container.task_reconciler(pool).execute(command)
    finally:
        await pool.aclose()
        await container.close()
    return {
        "checked": report.checked,
        "actions": [{"task_id": str(t), "action": a.value, "detail": d} for t, a, d in report.actions],
    }


def main() -> None:
    settings = load_settings(WorkerSettings)
    configure_logging("reconciler", settings.log_format, settings.log_level)
    result = asyncio.run(run(settings, leases_only="--leases-only" in sys.argv[1:]))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
