"""The poisoning sequence found by probing a running stack, replayed on the real parts: someone who
can reach the ML service asks for the scenes of a 0.7 s slice under a real task's id, then that task
runs. Before, the worker reused that answer and the task COMPLETED with one scene instead of four.
Now a kept answer is bound to its job and window, so the task ends with the honest artifacts."""

from pathlib import Path
from uuid import UUID

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.domain.ids import TaskId
from framewise.domain.retry import RetryPolicy
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
ML_TOKEN = "poisoning-test-ml-token-0123"


async def test_a_slice_computed_under_a_real_task_id_is_never_taken_for_the_task(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, sample_video: SampleVideo
) -> None:
    video = media_root / "clip.mp4"
    video.write_bytes(sample_video.path.read_bytes())
    with api_client(database_url, valkey_url, media_root) as api:
        assert api.post("/api/v1/paths/discover").json()["tasks_created"] == 6
        task = next(t for t in api.get("/api/v1/tasks").json()["items"] if t["task_type"] == "scene_detection")

    settings = MlSettings(media_roots=[str(media_root)], ml_token=ML_TOKEN, valkey_url=valkey_url)  # type: ignore[arg-type]
    registry = ModelRegistry([ScenesModel()], device={"device": "cpu"})
    with Served(create_app(settings, registry)) as ml:
        auth = {"Authorization": f"Bearer {ML_TOKEN}"}
        poison = {"video_path": str(video), "task_id": task["id"], "attempt": 1, "start_ms": 0, "end_ms": 700}
        async with httpx.AsyncClient(base_url=ml.url, headers=auth, timeout=60) as attacker:
            answered = await attacker.post("/infer/scenes", json=poison)
        assert answered.status_code == 200 and len(answered.json()["items"]) == 1
        assert await redis.exists(f"ml_result:{task['id']}:1")  # kept, under that job's name, for that window

        sessions = session_factory(engine)
        async with HttpxMlClient.create(ml.url, token=ML_TOKEN) as client:
            runner = TaskRunner(
                SqlUnitOfWork(sessions),
                HttpxMlClient(client, RetryPolicy()),
                KeptResults(redis),
                LocalMediaLibrary([str(media_root)]),
                SystemClock(),
                SqlHeartbeats(sessions),
                RetryPolicy(),
            )
            report = await runner.execute(RunTask(TaskId(UUID(task["id"])), 1))

    assert (report.outcome, report.reused_result) == (RunOutcome.COMPLETED, False)
    assert report.artifacts == len(sample_video.cut_frames) + 1  # every scene of the whole video
    async with engine.connect() as connection:
        ends = (await connection.execute(text("SELECT max(span_end_ms) FROM artifacts"))).scalar_one()
    assert ends == sample_video.duration_ms
