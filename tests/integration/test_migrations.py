import asyncio
from uuid import uuid4

import pytest
from sqlalchemy import inspect, text

from framewise.infrastructure.postgres.database import create_engine
from framewise_api.migrate import downgrade, upgrade
from framewise_dev.stores import EmbeddedStores

pytestmark = pytest.mark.integration


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def test_migrations_apply_to_an_empty_database_and_downgrade_cleanly(stores: EmbeddedStores) -> None:
    name = f"migrations_{uuid4().hex[:8]}"
    stores.postgres.psql(f'CREATE DATABASE "{name}";')
    url = stores.postgres.get_uri(name)

    await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
    assert {"videos", "tasks", "artifacts", "alembic_version"} <= await tables(url)
    await asyncio.to_thread(downgrade, url)
    assert await tables(url) == {"alembic_version"}
    await asyncio.to_thread(upgrade, url)
    assert {"videos", "tasks", "artifacts"} <= await tables(url)


async def test_sizes_are_64_bit(engine) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        kind = await connection.scalar(
            text("SELECT data_type FROM information_schema.columns WHERE table_name='videos' AND column_name='size'")
        )
    assert kind == "bigint"
