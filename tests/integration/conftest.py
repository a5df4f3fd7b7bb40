"""The integration tests' API client: the real app on the real stores (emptied first), sending TOKEN."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api import api_client


@pytest.fixture
def client(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path
) -> Iterator[TestClient]:
    with api_client(database_url, valkey_url, media_root) as client:
        yield client
