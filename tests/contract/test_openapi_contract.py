"""The API against its own OpenAPI schema: schemathesis generates requests for every operation
(the schema's examples, boundary "coverage" cases and random valid and invalid data) and sends them
to the real app on the real embedded PostgreSQL and Valkey. No answer may be a 5xx, and every answer
must have a documented status code and content type and a body that matches the documented schema.

Each operation is its own test, on a fresh library: one discovered video whose six tasks are in
every state a task can be in, with artifacts. A failure prints the request that reproduces it (as
a curl command) and the response it got. Select operations with -k (`-k "POST and paths"`): under
pytest 9.2 schemathesis' per-operation node ids all read the same.

The schema is loaded at import, from the app's own document, rather than with `from_asgi` in a
fixture through `schemathesis.pytest.from_fixture`: that lazy loader sets `Node._nodeid`, which
pytest 9.2 no longer has, and fails before any request."""

import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from framewise.application.results import MlPermanentError
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.contracts.ml import InferenceResponse, Timings
from framewise.domain.ids import TaskId
from framewise.domain.provenance import Provenance
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_api.main import create_app
from framewise_api.settings import ApiSettings
from framewise_dev.media import SampleVideo
from framewise_ml.main import create_app as create_ml_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.settings import MlSettings
from tests.api import AUTH, OTHER_TOKEN, TOKEN
from tests.fakes import FakeMediaLibrary, FakeMlClient, FakeMlResultCache
from tests.served import Served

pytestmark = pytest.mark.integration

BASE_URL = f"http://{asgi.HOST}"
ML_TOKEN = "contract-ml-token-0123456789"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCENES = [{"scene_index": i, "start_ms": i * 2000, "end_ms": (i + 1) * 2000} for i in range(4)]
UPLOAD = "POST /api/v1/videos"


def api_settings(database_url: str, valkey_url: str, media_root: Path, ml_url: str | None = None) -> ApiSettings:
    """The settings `tests.api.api_client` uses: both tokens, no background discovery; and the ML
    service at `ml_url` (settings checks, stale runs, the system view and model reloads ask it)."""
    return ApiSettings(  # type: ignore[call-arg]
        _env_file=None,
        ml_service_url=ml_url,
        ml_token=ML_TOKEN,
        database_url=database_url,
        valkey_url=valkey_url,
        media_roots=[str(media_root)],
        api_tokens=[TOKEN, OTHER_TOKEN],
        discover_on_start=False,
        discovery_interval_s=0,
        discovery_watch="off",
        discovery_settle_s=0,
    )


# The document the app serves at /openapi.json; building it opens no connection (the lifespan does).
schema = schemathesis.openapi.from_dict(
    create_app(api_settings("postgresql://unused/unused", "redis://unused", Path("/unused"))).openapi()
)

# What the `api` fixture seeded for the running test: ids by path parameter name, and a real video.
SEEDED: dict[str, Any] = {}


@schema.hook
def flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any]) -> Any:
    """Half the time the ids of the seeded video and tasks, so operations also act on real resources."""
    names = re.findall(r"{(\w+)}", context.operation.path)
    if not all(name in SEEDED for name in names):
        # Schemathesis draws the cases of the schema's examples while collecting, before the `api`
        # fixture has seeded anything: those keep their generated ids.
        return st.just(path_parameters)
    real = st.fixed_dictionaries({name: st.sampled_from(SEEDED[name]) for name in names})
    return st.one_of(st.just(path_parameters), real)


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> Any:
    """Uploads are random bytes under random names (415 or 422); some are a real video, to reach 201."""
    if context.operation.label != UPLOAD:
        return st.just(case)
    video = context.operation.Case(
        query={"filename": "upload.mp4"}, body=SEEDED["video_bytes"], media_type="application/octet-stream"
    )
    return st.one_of(st.just(case), st.just(video))


def served(app: ASGIApp) -> ASGIApp:
    """The app as a server runs it. Starlette answers an unhandled exception with a 500 and then
    re-raises it for the server to log; a server (or `TestClient(raise_server_exceptions=False)`, as
    in `tests.api`) keeps the 500 as the answer, and so does this, so the checks judge the 500."""

    async def app_in_a_server(scope: Scope, receive: Receive, send: Send) -> None:
        answered = False

        async def sending(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, sending)
        except Exception:
            if not answered:
                raise

    return app_in_a_server


def scenes(input_hash: str) -> InferenceResponse:
    provenance = Provenance(
        producer="pyscenedetect",
        producer_version="0.7",
        model_profile="balanced",
        config_hash="contract-test",
        input_hash=input_hash,
        run_id="contract-run",
        device="cpu",
        weights="none",
    )
    timings = Timings(queue_wait_ms=0, decode_ms=1, inference_ms=1, total_ms=2)
    return InferenceResponse(
        task_type=TaskType.SCENE_DETECTION, items=list(SCENES), provenance=provenance, timings=timings
    )


async def run_task(engine: AsyncEngine, task: dict[str, Any], ml: FakeMlClient) -> None:
    """One attempt of a task through the worker's use case, with a scripted ML service."""
    uow = SqlUnitOfWork(session_factory(engine))
    sessions = session_factory(engine)
    runner = TaskRunner(
        uow, ml, FakeMlResultCache(), FakeMediaLibrary(), SystemClock(), SqlHeartbeats(sessions), RetryPolicy()
    )
    await runner.execute(RunTask(TaskId(task["id"]), task["attempt"]))


async def start_task(engine: AsyncEngine, task: dict[str, Any]) -> None:
    """The task's job has begun on a worker: RUNNING, with a heartbeat."""
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        running = await uow.tasks.get(TaskId(task["id"]), for_update=True)
        running.start(task["attempt"], SystemClock().now())
        await uow.tasks.save(running)
        await uow.commit()


def ok(response: requests.Response) -> Any:
    assert response.status_code < 300, f"{response.request.method} {response.url}: {response.text}"
    return response.json()


@pytest.fixture(scope="module")
def ml_service(tmp_path_factory: pytest.TempPathFactory, valkey_url: str, model_cache: Path) -> Iterator[str]:
    """The real ML service with every model the offline cache serves, on a real port: what the API
    asks to check settings, judge runs stale, describe the system and reload models."""
    media = tmp_path_factory.mktemp("ml-media")
    settings = MlSettings(media_roots=[str(media)], valkey_url=valkey_url, ml_token=ML_TOKEN)
    with Served(create_ml_app(settings, ModelRegistry.default(ModelContext(model_cache)))) as ml:
        yield ml.url


@pytest.fixture
async def api(
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    sample_video: SampleVideo,
    ml_service: str,
) -> AsyncIterator[requests.Session]:
    """A schemathesis session on the real app (its lifespan runs on schemathesis' event loop; its
    pytest plugin ends it after the test) with a library: one discovered video and its six tasks,
    FAILED, CANCELLED, RUNNING, COMPLETED with four scene artifacts, and two PENDING and queued."""
    app = create_app(api_settings(database_url, valkey_url, media_root, ml_service))
    with asgi.get_client(served(app)) as client:
        client.headers.update(AUTH)
        shutil.copy(sample_video.path, media_root / "clip.mp4")
        assert ok(client.post("/api/v1/paths/discover"))["tasks_created"] == 6
        (video,) = ok(client.get("/api/v1/videos"))["items"]
        tasks = {t["task_type"]: t for t in ok(client.get(f"/api/v1/videos/{video['id']}/tasks"))["items"]}
        await run_task(engine, tasks["ocr"], FakeMlClient(MlPermanentError("the model rejected the video")))
        ok(client.post(f"/api/v1/tasks/{tasks['place_detection']['id']}/cancel"))
        await start_task(engine, tasks["transcription"])
        await run_task(engine, tasks["scene_detection"], FakeMlClient(scenes(video["content_hash"])))
        assert ok(client.get("/api/v1/artifacts"))["total"] == len(SCENES)
        states = ["FAILED", "CANCELLED", "RUNNING", "COMPLETED", "PENDING"]  # the first is drawn most
        tasks_now = ok(client.get("/api/v1/tasks"))["items"]
        SEEDED.update(
            video_id=[video["id"]],
            task_id=[t["id"] for t in sorted(tasks_now, key=lambda t: states.index(t["status"]))],
            video_bytes=sample_video.path.read_bytes(),
        )
        yield client


@schema.parametrize()
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_openapi_contract(case: schemathesis.Case, api: requests.Session) -> None:
    case.call_and_validate(session=api, base_url=BASE_URL, headers=AUTH, checks=CHECKS)
