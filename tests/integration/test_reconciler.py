"""The reconciler and heartbeats on real PostgreSQL and Valkey, and `framewise-reconcile` on demand."""

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import Reconcile, ReconcileAction
from framewise.application.use_cases.task_reconciler import TaskReconciler
from framewise.domain.ids import TaskId
from framewise.domain.retry import RetryPolicy
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise.infrastructure.queue.arq_job_queue import ArqJobQueue, open_pool
from framewise_dev.media import SampleVideo
from tests.api import api_client

pytestmark = pytest.mark.integration
COMMAND = Reconcile(lease_s=30, stuck_after_s=3600)
POLICY = RetryPolicy(attempts_per_task=2)  # a task may lose one worker, not two


def discover(database_url: str, valkey_url: str, media_root: Path, sample_video: SampleVideo) -> list[dict[str, Any]]:
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    with api_client(database_url, valkey_url, media_root) as client:
        client.post("/api/v1/paths/discover")
        return list(client.get("/api/v1/tasks", params={"sort": "created_at"}).json()["items"])


async def start(engine: AsyncEngine, task_id: str, attempt: int, ago_s: float) -> None:
    """A worker took the task `ago_s` seconds ago and has not beaten since."""
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        task = await uow.tasks.get(TaskId(task_id), for_update=True)
        task.start(attempt, SystemClock().now() - timedelta(seconds=ago_s))
        await uow.tasks.save(task)
        await uow.commit()


async def test_valkey_lost_then_a_dead_worker_both_repaired_from_postgresql(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
) -> None:
    tasks = discover(database_url, valkey_url, media_root, sample_video)
    pool = await open_pool(valkey_url)
    reconciler = TaskReconciler(SqlUnitOfWork(session_factory(engine)), ArqJobQueue(pool), SystemClock(), POLICY)
    try:
        assert (await reconciler.execute(COMMAND)).actions == []  # all queued: nothing to do

        await redis.flushall()  # Valkey restarted empty
        report = await reconciler.execute(COMMAND)
        assert report.count(ReconcileAction.REQUEUED) == 6
        queued = {m.decode() for q in ("gpu_jobs", "cpu_jobs") for m in await redis.zrange(q, 0, -1)}
        assert queued == {f"task:{t['id']}:2" for t in tasks}

        victim = tasks[0]["id"]
        await start(engine, victim, 2, ago_s=60)  # its worker took the job and died a minute ago
        await redis.set(f"arq:in-progress:task:{victim}:2", b"1")
        report = await reconciler.execute(COMMAND)
        assert [(str(t), a) for t, a, _ in report.actions] == [(victim, ReconcileAction.RECLAIMED)]
        await start(engine, victim, 3, ago_s=60)  # and its next worker dies too
        await redis.set(f"arq:in-progress:task:{victim}:3", b"1")
        report = await reconciler.execute(COMMAND)
        assert [a for _, a, _ in report.actions] == [ReconcileAction.FAILED_LOST]
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT status, error_kind, error FROM tasks WHERE id = :id"), {"id": victim}
                )
            ).one()
        assert (row.status, row.error_kind) == ("FAILED", "lost") and "2 of 2" in row.error
    finally:
        await pool.aclose()


async def test_a_heartbeat_is_fenced_by_attempt_and_status(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
) -> None:
    task = discover(database_url, valkey_url, media_root, sample_video)[0]
    beats = SqlHeartbeats(session_factory(engine))
    now = SystemClock().now()
    assert not await beats.beat(TaskId(task["id"]), 1, now)  # PENDING: nobody runs it
    await start(engine, task["id"], 1, ago_s=0)
    assert await beats.beat(TaskId(task["id"]), 1, now)
    assert not await beats.beat(TaskId(task["id"]), 2, now)  # a stale or future attempt


def test_framewise_reconcile_repairs_on_demand(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
) -> None:
    discover(database_url, valkey_url, media_root, sample_video)
    subprocess.run([sys.executable, "-c", f"import redis; redis.Redis.from_url({valkey_url!r}).flushall()"], check=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VALKEY_URL": valkey_url,
        "MEDIA_ROOTS": str(media_root),
        "ML_SERVICE_URL": "http://127.0.0.1:9",
        "LOG_LEVEL": "WARNING",
    }
    out = subprocess.run(
        [sys.executable, "-m", "framewise_worker.reconcile_cli"], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    assert result["checked"] == 6 and {a["action"] for a in result["actions"]} == {"requeued"}
