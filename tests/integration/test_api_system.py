"""Honest waiting through the real API: a task whose model the real ML service cannot load waits
PENDING with the reason the service gives (naming the missing file), stored in PostgreSQL and shown in
the task resource; `GET /api/v1/system` shows the service's models, device and gate, the queues and
the task counts, and says so instead of failing when the service is not configured or unreachable;
`POST /api/v1/system/models/reload` has the service load the weights that arrived. The ML service is
its real app served on a real port, with a model cache that lacks the face detector's weights."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask
from framewise.domain.ids import TaskId
from framewise.domain.routing import TaskType
from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app as create_ml_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.scenes import ScenesModel
from framewise_ml.settings import MlSettings
from framewise_worker.container import WorkerContainer
from framewise_worker.settings import WorkerSettings
from tests.api import api_client
from tests.served import Served

pytestmark = pytest.mark.integration
ML_TOKEN = "test-ml-token-0123456789"
FACES = (
    "faces/mtcnn/pnet.pt, faces/mtcnn/rnet.pt, faces/mtcnn/onet.pt, "
    "faces/dlib/shape_predictor_5_face_landmarks.dat, faces/dlib/dlib_face_recognition_resnet_model_v1.dat"
)


@pytest.fixture
def cache(tmp_path: Path, model_cache: Path) -> Path:
    copy = tmp_path / "models"
    shutil.copytree(model_cache, copy)
    shutil.rmtree(copy / "faces")
    return copy


@pytest.fixture
def ml(cache: Path, media_root: Path) -> Iterator[Served]:
    ctx = ModelContext(cache)
    registry = ModelRegistry([FacesModel(ctx), ScenesModel(ctx)], device={"device": "cpu"}, ctx=ctx)
    settings = MlSettings(media_roots=[str(media_root)], model_cache_dir=cache, ml_token=ML_TOKEN)  # type: ignore[arg-type]
    with Served(create_ml_app(settings, registry)) as served:
        yield served


@pytest.fixture
def client(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, ml: Served
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root, ml_service_url=ml.url, ml_token=ML_TOKEN) as client:
        yield client


async def worker(database_url: str, valkey_url: str, media_root: Path, ml: Served) -> WorkerContainer:
    settings = WorkerSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        valkey_url=valkey_url,
        ml_service_url=ml.url,
        ml_token=ML_TOKEN,
        media_roots=[str(media_root)],
    )
    return await WorkerContainer.open(settings)


def faces_task(client: TestClient, media_root: Path, sample_video: SampleVideo) -> dict[str, Any]:
    shutil.copy(sample_video.path, media_root / "clip.mp4")
    assert client.post("/api/v1/paths/discover").json()["tasks_created"] == 6
    (task,) = client.get("/api/v1/tasks", params={"task_type": "face_detection"}).json()["items"]
    return task  # type: ignore[no-any-return]


async def test_a_task_waits_with_the_missing_file_named_until_the_weights_arrive(
    client: TestClient,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    ml: Served,
    cache: Path,
    model_cache: Path,
    sample_video: SampleVideo,
) -> None:
    task = faces_task(client, media_root, sample_video)
    assert task["waiting_reason"] is None and task["waiting_since"] is None
    container = await worker(database_url, valkey_url, media_root, ml)
    try:
        run = RunTask(TaskId(task["id"]), 1, TaskType.FACE_DETECTION)
        report = await container.task_runner().execute(run)
        assert report.outcome is RunOutcome.DEFERRED and report.waiting_changed
        waiting = client.get(f"/api/v1/tasks/{task['id']}").json()
        assert waiting["status"] == "PENDING" and waiting["error"] is None
        assert waiting["waiting_reason"].startswith(f"faces model unavailable: weights {FACES} missing")
        assert waiting["waiting_since"] is not None

        system = client.get("/api/v1/system").json()
        assert system["ml"]["reachable"] and system["ml"]["status"] == "degraded"
        faces = system["ml"]["models"]["faces"]
        assert faces["state"] == "failed" and faces["missing"] == FACES.split(", ")
        assert system["ml"]["models"]["scenes"]["state"] == "ready"
        assert system["ml"]["device"]["device"] == "cpu"
        budget = system["ml"]["device"]["cpu_budget"]  # the analyses side by side share the cores
        assert budget["side_by_side"] == system["ml"]["gate"]["concurrency"]
        assert budget["per_analysis"] == max(1, budget["cores"] // budget["side_by_side"])
        assert set(system["ml"]["gate"]) >= {"concurrency", "running", "waiting"}
        assert {q["queue"] for q in system["queues"]} == {"gpu_jobs", "cpu_jobs"}
        assert sum(q["jobs"] for q in system["queues"]) == 6  # discovery queued each task's job
        assert system["tasks"]["total"] == 6 and system["tasks"]["waiting"] == 1
        assert system["tasks"]["by_status"]["PENDING"] == 6
        assert system["tasks"]["by_type"]["face_detection"] == {"PENDING": 1}

        # The weights arrive; the API has the service load them; the waiting task now runs.
        shutil.copytree(model_cache / "faces", cache / "faces")
        reloaded = client.post("/api/v1/system/models/reload")
        assert reloaded.status_code == 200, reloaded.text
        changes = {c["model"]: c for c in reloaded.json()["changes"]}
        assert changes["faces"]["changed"] and changes["faces"]["after"]["state"] == "ready"
        assert reloaded.json()["models"]["faces"]["state"] == "ready"
    finally:
        await container.close()
    # Another worker (the first one's view of the ML service's health is cached for a few seconds).
    container = await worker(database_url, valkey_url, media_root, ml)
    try:
        report = await container.task_runner().execute(run)
        assert report.outcome is RunOutcome.COMPLETED and report.waited_s is not None
    finally:
        await container.close()
    done = client.get(f"/api/v1/tasks/{task['id']}").json()
    assert done["status"] == "COMPLETED" and done["waiting_reason"] is None and done["waiting_since"] is None
    assert client.get("/api/v1/system").json()["tasks"]["waiting"] == 0


async def test_a_waiting_task_can_still_be_cancelled_and_retried(
    client: TestClient, database_url: str, valkey_url: str, media_root: Path, ml: Served, sample_video: SampleVideo
) -> None:
    task = faces_task(client, media_root, sample_video)
    container = await worker(database_url, valkey_url, media_root, ml)
    try:
        await container.task_runner().execute(RunTask(TaskId(task["id"]), 1, TaskType.FACE_DETECTION))
    finally:
        await container.close()
    assert client.get(f"/api/v1/tasks/{task['id']}").json()["waiting_reason"] is not None
    assert client.post(f"/api/v1/tasks/{task['id']}/enqueue").json()["created"] is False  # its job is queued
    cancelled = client.post(f"/api/v1/tasks/{task['id']}/cancel").json()
    assert cancelled["status"] == "CANCELLED" and cancelled["waiting_reason"] is None
    assert client.post(f"/api/v1/tasks/{task['id']}/retry").status_code == 202


def test_the_system_view_says_when_the_ml_service_cannot_be_asked(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> None:
    with api_client(database_url, valkey_url, media_root) as client:
        ml = client.get("/api/v1/system").json()["ml"]
        assert (ml["reachable"], ml["status"]) == (False, "not-configured") and "ML_SERVICE_URL" in ml["detail"]
        refused = client.post("/api/v1/system/models/reload")
        assert refused.status_code == 503 and "ML_SERVICE_URL" in refused.json()["detail"]
    with api_client(database_url, valkey_url, media_root, ml_service_url="http://127.0.0.1:1") as client:
        answer = client.get("/api/v1/system")
        assert answer.status_code == 200
        assert (answer.json()["ml"]["reachable"], answer.json()["ml"]["status"]) == (False, "unreachable")
        assert client.post("/api/v1/system/models/reload").status_code == 503
        assert (
            client.get("/api/v1/system", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
        )
