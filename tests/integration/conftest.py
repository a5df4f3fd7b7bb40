"""The integration tests' API client: the real app on the real stores (emptied first), sending TOKEN;
and the parts that turn speech into moments: the real transcription model served over HTTP, an API
that knows it, and the worker's task runner."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.use_cases.task_runner import TaskRunner
from framewise.domain.retry import RetryPolicy
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.transcribe import TranscribeModel
from framewise_ml.settings import MlSettings
from tests.api import api_client
from tests.served import Served


@pytest.fixture
def client(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root) as client:
        yield client


ML_TOKEN = "ml-token-for-the-speech-tests"


@pytest.fixture
def transcribing_ml(media_root: Path, valkey_url: str, model_cache: Path) -> Iterator[Served]:
    settings = MlSettings(media_roots=[str(media_root)], valkey_url=valkey_url, ml_token=ML_TOKEN)
    registry = ModelRegistry([TranscribeModel(ModelContext(model_cache))], device={"device": "cpu"})
    with Served(create_app(settings, registry)) as served:
        yield served


@pytest.fixture
def transcribing_api(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, transcribing_ml: Served
) -> Iterator[TestClient]:
    # The ML service checks each folder's settings (`/configs`), so the API knows it.
    with api_client(
        database_url, valkey_url, media_root, ml_service_url=transcribing_ml.url, ml_token=ML_TOKEN
    ) as client:
        yield client


@pytest.fixture
async def transcribing_runner(
    engine: AsyncEngine, redis: Redis, media_root: Path, transcribing_ml: Served
) -> AsyncIterator[TaskRunner]:
    headers = {"Authorization": f"Bearer {ML_TOKEN}"}
    async with httpx.AsyncClient(base_url=transcribing_ml.url, timeout=300, headers=headers) as client:
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
