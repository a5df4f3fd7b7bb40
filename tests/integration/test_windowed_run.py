"""A task run window by window on the real parts (PostgreSQL, Valkey, the ML service with the real
scene model): progress moves at each window, each window is committed once, and the scenes (and
their moments) are those of a single pass over the whole video: no cut lost or invented at a
boundary."""

from pathlib import Path
from uuid import UUID

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.contracts.ml import InferenceRequest
from framewise.domain.ids import TaskId
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.windows import WindowSizes
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.settings import MlSettings
from tests.api import api_client
from tests.served import Served

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("window_ms", [1000, 2300, 4000])
async def test_scenes_run_in_windows_are_the_single_pass(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
    window_ms: int,
) -> None:
    video = media_root / "clip.mp4"
    video.write_bytes(sample_video.path.read_bytes())
    with api_client(database_url, valkey_url, media_root) as api:
        assert api.post("/api/v1/paths/discover").json()["tasks_created"] == 6
        task = next(t for t in api.get("/api/v1/tasks").json()["items"] if t["task_type"] == "scene_detection")
    single = ScenesModel()
    single.load()
    expected = [
        (item["start_ms"], item["end_ms"])  # type: ignore[index]
        for item in single.predict(InferenceRequest(video_path=str(video)), video).items
    ]

    settings = MlSettings(media_roots=[str(media_root)], valkey_url=valkey_url)
    sessions = session_factory(engine)
    progress: list[float] = []
    etas: list[float | None] = []
    with Served(create_app(settings, ModelRegistry([ScenesModel()], device={"device": "cpu"}))) as ml:
        async with httpx.AsyncClient(base_url=ml.url, timeout=60) as client:
            runner = TaskRunner(
                SqlUnitOfWork(sessions),
                HttpxMlClient(client, RetryPolicy()),
                KeptResults(redis),
                LocalMediaLibrary([str(media_root)]),
                SystemClock(),
                SqlHeartbeats(sessions),
                RetryPolicy(),
                windows=WindowSizes(window_ms),
            )
            command = RunTask(TaskId(UUID(task["id"])), 1, TaskType.SCENE_DETECTION)
            while (report := await runner.execute(command)).outcome is RunOutcome.CONTINUE:
                progress.append(report.progress)
                etas.append(report.eta_s)
                assert len(progress) < 50
    assert report.outcome is RunOutcome.COMPLETED
    windows = -(-sample_video.duration_ms // window_ms)
    assert len(progress) == windows - 1 and progress == sorted(progress) and 0 < progress[0] < 1
    # Every window after the first says how long the rest takes, timed from the attempt's start.
    assert all(eta is not None and eta > 0 for eta in etas), etas

    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT payload FROM artifacts WHERE task_id = :t ORDER BY span_start_ms"), {"t": task["id"]}
        )
        scenes = [(p["start_ms"], p["end_ms"]) for (p,) in rows]
        committed = (
            await connection.execute(text("SELECT count(*) FROM task_windows WHERE task_id = :t"), {"t": task["id"]})
        ).scalar_one()
        moments = (
            await connection.execute(text("SELECT count(*) FROM moments WHERE task_id = :t"), {"t": task["id"]})
        ).scalar_one()
        runs = (
            await connection.execute(text("SELECT count(*) FROM runs WHERE task_id = :t"), {"t": task["id"]})
        ).scalar_one()
        row = (
            await connection.execute(text("SELECT progress, eta_s FROM tasks WHERE id = :t"), {"t": task["id"]})
        ).one()
    assert scenes == expected
    assert (committed, moments, runs) == (windows, len(expected), 1)
    assert (row.progress, row.eta_s) == (1.0, None)
