"""Speech in a language nobody named, through the real parts: espeak-ng French and English videos in
a library whose only transcription setting is `profile: fast`; discovery and the API on PostgreSQL
and Valkey, the real transcription model served over HTTP, and the worker's task runner completing
each task. The language is detected: French goes to the multilingual checkpoint, English to tiny.en,
each transcript says which, the captions carry the French as said, and the runs are current for
re-index (what was detected makes no task stale)."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.domain.ids import TaskId
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_dev.media import Segment, make_sample_video
from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.transcribe import TranscribeModel
from framewise_ml.settings import MlSettings
from tests.api import api_client
from tests.served import Served
from tests.tools import require_tool

pytestmark = pytest.mark.integration
ML_TOKEN = "ml-token-for-the-language-detection-tests"
SPOKEN = {  # file name: (espeak-ng voice, what is said)
    "bonjour": ("fr", "Bonjour. Je m'appelle Marie. J'habite à Paris."),
    "morning": ("en-us", "Good morning. The city council met on Thursday."),
}


@pytest.fixture
def ml(media_root: Path, valkey_url: str, model_cache: Path) -> Iterator[Served]:
    settings = MlSettings(media_roots=[str(media_root)], valkey_url=valkey_url, ml_token=ML_TOKEN)
    registry = ModelRegistry([TranscribeModel(ModelContext(model_cache))], device={"device": "cpu"})
    with Served(create_app(settings, registry)) as served:
        yield served


@pytest.fixture
def api(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, ml: Served
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root, ml_service_url=ml.url, ml_token=ML_TOKEN) as client:
        yield client


@pytest.fixture
async def runner(engine: AsyncEngine, redis: Redis, media_root: Path, ml: Served) -> AsyncIterator[TaskRunner]:
    headers = {"Authorization": f"Bearer {ML_TOKEN}"}
    async with httpx.AsyncClient(base_url=ml.url, timeout=300, headers=headers) as client:
        sessions = session_factory(engine)
        yield TaskRunner(
            SqlUnitOfWork(sessions),
            HttpxMlClient(client, RetryPolicy()),
            KeptResults(redis),
            LocalMediaLibrary([str(media_root)]),
            SystemClock(),
            SqlHeartbeats(sessions),
            RetryPolicy(),
        )


async def test_an_unnamed_language_is_detected_transcribed_by_its_checkpoint_and_stays_current(
    api: TestClient, runner: TaskRunner, media_root: Path
) -> None:
    require_tool("espeak-ng")
    for name, (voice, text) in SPOKEN.items():
        video = make_sample_video(
            media_root / f"{name}.mp4", segments=[Segment(6.0, (30, 60, 120), name)], speech=text, voice=voice
        )
        assert video.speech is not None
    fast = {"analyses": {"transcription": {"profile": "fast"}}}
    assert api.put("/api/v1/settings/library", json=fast).status_code == 200
    assert api.post("/api/v1/paths/discover").status_code == 200
    tasks = api.get("/api/v1/tasks", params={"task_type": "transcription", "limit": 100}).json()["items"]
    assert len(tasks) == len(SPOKEN)
    for task in tasks:
        command = RunTask(TaskId(UUID(task["id"])), task["attempt"] or 1, TaskType.TRANSCRIPTION)
        for _ in range(20):
            report = await runner.execute(command)
            if report.outcome is not RunOutcome.CONTINUE:
                break
        assert report.outcome is RunOutcome.COMPLETED, report

    heard = {}
    for video in api.get("/api/v1/videos").json()["items"]:
        name = Path(video["path"]).stem
        artifacts = api.get(
            f"/api/v1/videos/{video['id']}/artifacts", params={"artifact_type": "transcript_segment"}
        ).json()["items"]
        heard[name] = {(a["payload"]["language"], a["payload"]["checkpoint"]) for a in artifacts}
        assert all(a["payload"]["language_probability"] > 0 for a in artifacts), artifacts
        captions = api.get(f"/api/v1/videos/{video['id']}/captions.vtt").text
        assert ("J'habite à Paris" if name == "bonjour" else "city council") in captions, captions
    assert heard == {"bonjour": {("fr", "base")}, "morning": {("en", "tiny.en")}}

    # Both runs are what the settings run now: one identity for tiny.en and base together.
    report = api.post("/api/v1/reindex", json={"dry_run": True, "task_types": ["transcription"]}).json()
    assert {(item["verdict"], tuple(item["reasons"])) for item in report["items"]} == {("current", ())}, report
