"""Shared fixtures: one embedded PostgreSQL and Valkey per test run, isolated between tests."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.infrastructure.postgres.database import create_engine
from framewise_api.migrate import upgrade
from framewise_dev.media import SampleVideo, make_analysis_video, make_sample_video
from framewise_dev.stores import EmbeddedStores, start_stores
from tests.tools import require_tool


@pytest.fixture(scope="session")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStores]:
    """Embedded servers for the whole run, or the servers named by TEST_DATABASE_URL/TEST_VALKEY_URL."""
    started = start_stores(tmp_path_factory.mktemp("stores"), database="framewise_test")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def database_url(stores: EmbeddedStores) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or stores.database_url
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def valkey_url(stores: EmbeddedStores) -> str:
    return os.environ.get("TEST_VALKEY_URL") or stores.valkey_url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            text("TRUNCATE videos, tasks, artifacts, analysis_settings, persons, speakers RESTART IDENTITY CASCADE")
        )
    yield engine
    await engine.dispose()


@pytest.fixture
async def redis(valkey_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(valkey_url)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory: pytest.TempPathFactory) -> SampleVideo:
    """The default sample: four segments, hard cuts at 2, 4 and 6 s, no audio."""
    return make_sample_video(tmp_path_factory.mktemp("sample") / "sample.mp4")


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    return root.resolve()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MODEL_CACHE_DIR as `make models --offline` builds it, once per run."""
    from framewise_ml.weights.build import build_cache

    cache = tmp_path_factory.mktemp("models")
    steps = build_cache(cache, online=False)
    missing = [s for s in steps if s.outcome == "missing" and not s.source.startswith("offline")]
    assert not missing, f"weights the installed packages should ship are missing: {missing}"
    return cache


@pytest.fixture(scope="session")
def analysis_video(tmp_path_factory: pytest.TempPathFactory) -> SampleVideo:
    """Seven 2 s shots (FRAMEWISE, SCENE TWO + a face, HUE ONLY, CAT + the cat, CUP + the cup, the palace
    filling the frame, THE END), speech from 0.3 s."""
    require_tool("espeak-ng")
    video = make_analysis_video(tmp_path_factory.mktemp("analysis") / "analysis.mp4")
    assert video.speech is not None
    return video
