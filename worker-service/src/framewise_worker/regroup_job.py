"""`regroup_persons`, the CPU pool's job that groups the library's faces again (asked for through
`POST /api/v1/persons/regroup`)."""

import time
from typing import Any

import structlog
from arq import Retry
from sqlalchemy.exc import DBAPIError

from framewise_worker.container import container_of

log = structlog.get_logger("framewise.worker")
REGROUP_MAX_TRIES = 5
STORE_AWAY_DEFER_S = 5.0


async def regroup_persons(ctx: dict[str, Any]) -> dict[str, int]:
    container = container_of(ctx)
    log.info("regroup_started", job_try=ctx.get("job_try"))
    started = time.perf_counter()
    try:
        done = await container.person_regrouper().execute()
    except (OSError, DBAPIError) as exc:
        # PostgreSQL is away: what was placed stays placed; the next try places the rest.
        log.warning("regroup_store_unreachable", error=f"{type(exc).__name__}: {exc}"[:300], defer_s=STORE_AWAY_DEFER_S)
        raise Retry(defer=STORE_AWAY_DEFER_S) from exc
    log.info(
        "regroup_completed",
        faces=done.faces,
        persons=done.persons,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return {"faces": done.faces, "persons": done.persons}
